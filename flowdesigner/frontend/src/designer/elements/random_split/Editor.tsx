import type { EditorProps } from "../types";
import { newRandomBranch, readRandomBranches, sharesProblem, splitEvenly, totalPercent, type RandomBranch } from "./config";

export function RandomSplitEditor({ config, onChange }: EditorProps) {
  const branches = readRandomBranches(config);
  const total = totalPercent(branches);
  const problem = sharesProblem(branches);
  const setBranches = (next: RandomBranch[]) => onChange({ ...config, branches: next });

  return (
    <>
      <fieldset className="field">
        <legend>Branches</legend>
        <p className="hint muted">
          Each participant takes one branch at random, by these shares; the same person always gets the same branch.
        </p>
        <ol className="button-rows">
          {branches.map((branch, index) => (
            <li key={index} className="share-row">
              <label className="sub-field">
                <span>Name</span>
                <input
                  data-testid={`branch-name-${index}`}
                  value={branch.name}
                  aria-invalid={!branch.name.trim()}
                  onChange={(event) => setBranches(branches.with(index, { ...branch, name: event.target.value }))}
                />
              </label>
              <label className="sub-field">
                <span>Share</span>
                <span className="percent-input">
                  <input
                    type="number"
                    data-testid={`branch-percent-${index}`}
                    min={0}
                    max={100}
                    step="any"
                    value={branch.percent}
                    aria-invalid={!(branch.percent > 0 && branch.percent <= 100)}
                    onChange={(event) => {
                      const percent = event.target.valueAsNumber;
                      setBranches(branches.with(index, { ...branch, percent: Number.isFinite(percent) ? percent : 0 }));
                    }}
                  />
                  %
                </span>
              </label>
              <button
                type="button"
                data-testid={`remove-branch-${index}`}
                aria-label={`Remove branch ${index + 1}`}
                onClick={() => onChange({ ...config, branches: branches.filter((_, other) => other !== index) })}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
        <p data-testid="percent-total" className={problem ? "error-text" : "muted"}>
          Total: {total} %{problem && ` — ${problem}`}
        </p>
        <div className="row-actions">
          <button type="button" data-testid="add-branch" onClick={() => setBranches([...branches, newRandomBranch(branches)])}>
            Add branch
          </button>
          <button
            type="button"
            data-testid="split-evenly"
            disabled={branches.length === 0}
            onClick={() => setBranches(splitEvenly(branches))}
          >
            Split evenly
          </button>
        </div>
      </fieldset>
    </>
  );
}
