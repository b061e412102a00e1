/** The two IPC channels of the Electron adapter: every operation goes through one, events through the other. */
export const IPC_INVOKE_CHANNEL = 'warden:invoke'
export const IPC_EVENT_CHANNEL = 'warden:event'
