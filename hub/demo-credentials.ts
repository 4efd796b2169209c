/**
 * The demo's admin password (`npm run demo`): printed on screen, so a store that still accepts
 * it is not fit for real people's data. `npm start` says so loudly.
 */
export const demoAdminPassword = 'yiyang-demo';
/** Where the demo keeps its store unless DATA_DIR says otherwise: never `npm start`'s `./data`. */
export const demoDataDir = './data-demo';
