/*
 * The read floor without Node: a bare epoll TCP server on 127.0.0.1 that answers the first bytes of each
 * connection with a CONNACK and throws every byte away, one read() per ready socket, as libuv does.
 * What it costs a message is the kernel's share of reading a socket here (epoll, read, loopback TCP).
 * It waits between polls as the hub's gateway does, by the gateway's rules (gateway/read-coalescing.ts,
 * given by read-floor.ts): while it reads at least argv[3] times a second (looked at every argv[4] ms)
 * and did less than argv[5] ms of work since its last wait, it sleeps argv[2] ms (0: never) before the
 * next epoll_wait. Built and started by read-floor.ts (`startNativeReadFloor`); argv[1] is the port.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char answered[1 << 20];

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(0x7f000001)};
  if (bind(listener, (struct sockaddr *)&at, sizeof at) || listen(listener, 4096)) {
    perror("read-floor");
    return 1;
  }
  int poll = epoll_create1(0);
  struct epoll_event ready[1024], watch = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(poll, EPOLL_CTL_ADD, listener, &watch);
  printf("listening\n");
  fflush(stdout);
  static char bytes[65536];
  const char connack[4] = {0x20, 2, 0, 0};
  const double wait_ms = atof(argv[2]), busy_reads = atof(argv[3]), check_ms = atof(argv[4]),
               busy_work_ms = atof(argv[5]);
  long reads = 0, reads_at_check = 0;
  double checked_at = now_ms(), woke_at = checked_at;
  int busy = 0;
  for (;;) {
    double now = now_ms();
    if (now - checked_at >= check_ms) {
      busy = (reads - reads_at_check) * 1000.0 / (now - checked_at) >= busy_reads;
      reads_at_check = reads;
      checked_at = now;
    }
    if (wait_ms > 0 && busy && now - woke_at < busy_work_ms) {
      usleep((useconds_t)(wait_ms * 1000));
      now = now_ms();
    }
    int n = epoll_wait(poll, ready, 1024, -1);
    woke_at = now;
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        int c;
        while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= (int)sizeof answered) { close(c); continue; }
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event each = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(poll, EPOLL_CTL_ADD, c, &each);
          answered[c] = 0;
        }
        continue;
      }
      ssize_t got = read(fd, bytes, sizeof bytes);
      reads++;
      if (got > 0) {
        if (!answered[fd] && write(fd, connack, sizeof connack) == sizeof connack) answered[fd] = 1;
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        epoll_ctl(poll, EPOLL_CTL_DEL, fd, NULL);
        close(fd);
      }
    }
  }
}
