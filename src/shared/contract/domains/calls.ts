import { z } from 'zod'
import { defineDomain, defineOperation } from '../operation'

/** Calls in flight: cancelled where they run (the running Warden's downloads and chats). */
export const callOperations = defineDomain(
  { runsIn: 'app' },
  {
    'operation.cancel': defineOperation({
      summary: 'Cancel a running call (a download, a chat) by its call id',
      input: z.object({ callId: z.string().min(1, 'a call id is required') }),
      output: z.object({ cancelled: z.boolean() }),
      mutates: true,
      cli: false,
    }),
  },
)
