import { formatCount } from "./ChartCard";
import { formatPercent } from "./funnel";
import { completionRate } from "./sections";
import type { Report } from "./types";

const ITEMS = [
  ["entered", "Entered"],
  ["active", "Active now"],
  ["completed", "Completed"],
  ["failed", "Failed"],
  ["exited", "Exited"],
] as const;

export function Totals({ totals }: { totals: Report["totals"] }) {
  return (
    <section className="card" aria-labelledby="totals-heading" data-testid="totals">
      <h2 id="totals-heading">Totals</h2>
      <dl className="totals">
        {ITEMS.map(([key, label]) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd data-testid={`total-${key}`}>{formatCount(totals[key] ?? 0)}</dd>
          </div>
        ))}
        <div>
          <dt>Completion rate</dt>
          <dd data-testid="total-completion">{formatPercent(completionRate(totals))}</dd>
        </div>
      </dl>
    </section>
  );
}
