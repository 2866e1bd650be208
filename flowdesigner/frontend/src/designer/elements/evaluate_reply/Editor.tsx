import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { InboundConditionList } from "../../components/InboundConditionList";
import { VariableNameInput } from "../../components/VariableNameInput";
import { moveBranch } from "../condition_split/config";
import { ReplyTimeoutField } from "../message/ReplyTimeout";
import type { EditorProps } from "../types";
import {
  branchProblem,
  newReplyBranch,
  readEvaluateReply,
  REPLY_CHANNEL_LABELS,
  REPLY_CHANNELS,
  withBranches,
  type ReplyBranch,
  type ReplyChannel,
} from "./config";

type IssuesAt = (field: string, nested?: boolean) => string[];

export function EvaluateReplyEditor({ nodeId, config, onChange }: EditorProps) {
  const reply = readEvaluateReply(config);
  const { branches } = reply;
  const issuesAt = useIssuesAt(nodeId);
  const setBranches = (next: readonly ReplyBranch[]) => onChange(withBranches(config, next));
  const seen = new Set<string>();

  return (
    <>
      <p className="hint muted">
        Waits for the person to write back. Branches are tried in order: the first with a condition that matches
        the reply is taken, or “other” when none does.
      </p>
      <label className="field">
        <span>Reply on</span>
        <select
          data-testid="field-reply-channel"
          value={reply.channel}
          onChange={(event) => onChange({ ...config, channel: event.target.value as ReplyChannel })}
        >
          {REPLY_CHANNELS.map((channel) => (
            <option key={channel} value={channel}>
              {REPLY_CHANNEL_LABELS[channel]}
            </option>
          ))}
        </select>
        <FieldIssues messages={issuesAt("config.channel")} />
      </label>
      <ol className="branch-list">
        {branches.map((branch, index) => {
          // Keyed by id so a branch keeps its rows when moved; a repeated id (an import) by position.
          const key = seen.has(branch.id) ? `${branch.id}#${index}` : branch.id;
          seen.add(branch.id);
          return (
            <ReplyBranchCard
              key={key}
              index={index}
              count={branches.length}
              branch={branch}
              problem={branchProblem(branches, index)}
              issuesAt={issuesAt}
              onChange={(changed) => setBranches(branches.with(index, changed))}
              onMove={(by) => setBranches(moveBranch(branches, index, by))}
              onRemove={() => setBranches(branches.filter((_, other) => other !== index))}
            />
          );
        })}
      </ol>
      <button type="button" data-testid="add-reply-branch" onClick={() => setBranches([...branches, newReplyBranch(branches)])}>
        Add branch
      </button>
      <FieldIssues messages={issuesAt("config.branches")} />
      <div className="field">
        <VariableNameInput
          testId="field-reply-variable"
          label="Save the reply in"
          optional
          value={reply.variable}
          onChange={(variable) => onChange({ ...config, variable })}
        />
        <FieldIssues messages={issuesAt("config.variable")} />
      </div>
      <ReplyTimeoutField config={config} onChange={onChange} />
    </>
  );
}

interface ReplyBranchCardProps {
  index: number;
  count: number;
  branch: ReplyBranch;
  problem: string | null;
  issuesAt: IssuesAt;
  onChange(branch: ReplyBranch): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}

function ReplyBranchCard({ index, count, branch, problem, issuesAt, onChange, onMove, onRemove }: ReplyBranchCardProps) {
  const field = `config.branches[${index}]`;
  const serverMessages = [...issuesAt(field), ...issuesAt(`${field}.id`), ...issuesAt(`${field}.name`), ...issuesAt(`${field}.conditions`)];
  const messages = serverMessages.length > 0 ? serverMessages : problem ? [problem] : [];
  return (
    <li className="branch-card" data-testid={`reply-branch-${index}`}>
      <div className="branch-head">
        <label className="sub-field">
          <span>Branch {index + 1}</span>
          <input
            data-testid={`reply-branch-name-${index}`}
            value={branch.name}
            placeholder="e.g. Yes"
            aria-invalid={!branch.name.trim()}
            onChange={(event) => onChange({ ...branch, name: event.target.value })}
          />
        </label>
        <button
          type="button"
          data-testid={`move-reply-branch-up-${index}`}
          aria-label={`Move branch ${index + 1} up`}
          disabled={index === 0}
          onClick={() => onMove(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          data-testid={`move-reply-branch-down-${index}`}
          aria-label={`Move branch ${index + 1} down`}
          disabled={index === count - 1}
          onClick={() => onMove(1)}
        >
          ↓
        </button>
        <button type="button" data-testid={`remove-reply-branch-${index}`} aria-label={`Remove branch ${index + 1}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      <FieldIssues messages={messages} />
      <InboundConditionList
        testId={`reply-branch-${index}-condition`}
        conditions={branch.conditions}
        onChange={(conditions) => onChange({ ...branch, conditions })}
        messagesAt={(condition) => issuesAt(`${field}.conditions[${condition}]`, true)}
      />
    </li>
  );
}
