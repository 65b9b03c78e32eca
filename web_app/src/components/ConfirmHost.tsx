// The modal confirmation dialog (native <dialog>: focus trap and Escape for free).
import { useEffect, useRef } from 'react';
import { answerConfirm, useConfirm } from '../actions/confirm';

export function ConfirmHost() {
  const request = useConfirm((s) => s.request);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (request && !d.open) d.showModal();
    if (!request && d.open) d.close();
  }, [request]);
  return (
    <dialog ref={ref} className="dialog" onCancel={() => answerConfirm(false)} aria-labelledby="confirm-title">
      {request && (
        <form method="dialog" onSubmit={(e) => { e.preventDefault(); answerConfirm(true); }}>
          <h2 id="confirm-title">{request.title}</h2>
          <p>{request.message}</p>
          <div className="row end">
            <button type="button" className="btn" onClick={() => answerConfirm(false)}>
              Cancel
            </button>
            <button type="submit" className="btn primary" autoFocus>
              {request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
