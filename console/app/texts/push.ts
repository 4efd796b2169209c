/** The responder app installed on the phone: push notifications and working offline (responder/push-card.ts, offline-notice.ts). */
export const zh = {
  'push.title': '推送通知',
  'push.explain': '开启后，App 关闭时也能收到新任务（通知只显示类型和距离）。',
  'push.on': '推送已开启：App 关闭时也会通知您',
  'push.off': '推送未开启：App 关闭后将收不到新任务',
  'push.enable': '开启推送通知',
  'push.disable': '关闭推送',
  'push.denied': '通知权限已被拒绝，请在浏览器或系统设置中允许本站通知',
  'push.unsupported': '此浏览器不支持推送。iPhone 请先“添加到主屏幕”，再从主屏幕打开',
  'push.failed': '推送未能开启：{reason}',
  'push.install': '可将本页“添加到主屏幕”，像 App 一样使用',
  'push.offerGone': '该任务已失效（已被接单、撤回或过期）',
  'push.offlineNotice': '离线：暂时无法连接服务台。网络恢复后将自动重试。',
  'push.offlineBanner': '离线中，显示的可能不是最新状态',
};

export const en: Record<keyof typeof zh, string> = {
  'push.title': 'Push notifications',
  'push.explain':
    'Once on, new tasks reach you while the app is closed (a notification shows only the kind and distance).',
  'push.on': 'Push is on: you are notified while the app is closed',
  'push.off': 'Push is off: with the app closed, no new task reaches you',
  'push.enable': 'Turn on push notifications',
  'push.disable': 'Turn off push',
  'push.denied': 'Notifications are blocked: allow them for this site in the browser or system settings',
  'push.unsupported':
    'This browser has no push. On an iPhone, “Add to Home Screen” first, then open it from there',
  'push.failed': 'Push could not be turned on: {reason}',
  'push.install': 'Add this page to your home screen to use it as an app',
  'push.offerGone': 'That task is no longer open (taken, withdrawn or expired)',
  'push.offlineNotice':
    'Offline: the hub cannot be reached just now. The app retries when the network is back.',
  'push.offlineBanner': 'Offline: what you see may not be current',
};
