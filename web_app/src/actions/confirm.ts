// A promise-based confirmation dialog, rendered by <ConfirmHost>.
import { create } from 'zustand';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  resolve: (ok: boolean) => void;
}

export const useConfirm = create<{ request: ConfirmRequest | null }>()(() => ({ request: null }));

export function confirmDialog(title: string, message: string, confirmLabel = 'OK'): Promise<boolean> {
  return new Promise((resolve) => {
    useConfirm.getState().request?.resolve(false);
    useConfirm.setState({ request: { title, message, confirmLabel, resolve } });
  });
}

export function answerConfirm(ok: boolean): void {
  const r = useConfirm.getState().request;
  useConfirm.setState({ request: null });
  r?.resolve(ok);
}
