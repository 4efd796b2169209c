/**
 * How a device signs in to the hub over MQTT (protocol v1): 3.1.1, the device id as client id and user
 * name, its secret as password; tests reconnect by hand, never behind the test's back.
 */
export function deviceLogin(id: string, secret: string) {
  return { clientId: id, username: id, password: secret, protocolVersion: 4 as const, reconnectPeriod: 0 };
}
