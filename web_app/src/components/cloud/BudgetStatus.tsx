// Spent / remaining per day, month and session.
import { usd } from '../../api/cloud';
import type { Budget, Period } from '../../api/types';

const ROWS: { key: Period; label: string; cap: keyof Budget['caps'] }[] = [
  { key: 'day', label: 'Today', cap: 'daily_usd' },
  { key: 'month', label: 'This month', cap: 'monthly_usd' },
  { key: 'session', label: 'This session', cap: 'session_usd' },
];

export function BudgetStatus({ budget }: { budget: Budget }) {
  return (
    <table className="budget" data-testid="budget-table">
      <thead>
        <tr>
          <th scope="col">Period</th>
          <th scope="col">Spent</th>
          <th scope="col">Remaining</th>
        </tr>
      </thead>
      <tbody>
        {ROWS.map((r) => {
          const cap = budget.caps[r.cap];
          const remaining = budget.remaining[r.key];
          const used = cap > 0 ? Math.min(1, (budget.spent[r.key] + budget.reserved[r.key]) / cap) : 0;
          return (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              <td>{usd(budget.spent[r.key])}</td>
              <td>
                {remaining === null ? (
                  <span className="muted">unlimited</span>
                ) : (
                  <>
                    {usd(remaining)} <span className="muted">of {usd(cap)}</span>
                    <meter min={0} max={1} low={0.7} high={0.9} optimum={0} value={used} aria-label={`${r.label} budget used`} />
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
