import { Client, Connection } from '@temporalio/client';

export interface TemporalHandle {
  connection: Connection;
  client: Client;
  close(): Promise<void>;
}

export async function connectTemporal(address: string, namespace: string): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  return { connection, client, close: () => connection.close() };
}

/** The `notice` signal a waiting node listens for (see the flow shell's noticeSignal). */
export function signalNotice(client: () => Client) {
  return async (workflowId: string, key: string): Promise<void> => {
    await client().workflow.getHandle(workflowId).signal('notice', key);
  };
}

/** For processes without a client of their own (the worker): connects on first use. */
export function lazyNotifier(address: string, namespace: string) {
  let handle: Promise<TemporalHandle> | undefined;
  return async (workflowId: string, key: string): Promise<void> => {
    handle ??= connectTemporal(address, namespace);
    const { client } = await handle;
    await signalNotice(() => client)(workflowId, key);
  };
}
