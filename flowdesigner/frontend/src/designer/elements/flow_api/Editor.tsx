import { CopyButton } from "../../components/CopyButton";
import { useDesigner } from "../../context";
import type { EditorProps } from "../types";
import { curlExample, participantsUrl } from "./config";

/** Nothing to set: the flow's URL, a request to copy, and where API keys come from. */
export function FlowApiEditor(_props: EditorProps) {
  const { flowId, variables } = useDesigner();
  const origin = window.location.origin;
  const url = participantsUrl(origin, flowId);
  const curl = curlExample(origin, flowId, variables);
  return (
    <>
      <p className="hint muted">
        Web pages, CRMs and other systems add people to this flow by sending them to its URL. People are found by
        their phone or email, created or updated, and enter here with the variables the request carries (declared in
        the flow settings). Requests are accepted while the flow is active.
      </p>
      <div className="field">
        <span id="flow-api-url-label">Endpoint</span>
        <div className="copy-row">
          <code className="endpoint" data-testid="flow-api-url" aria-labelledby="flow-api-url-label">
            POST {url}
          </code>
          <CopyButton text={url} label="Copy the endpoint URL" testId="copy-flow-api-url" />
        </div>
      </div>
      <div className="field">
        <span id="flow-api-curl-label">Example request</span>
        <pre className="code-block" data-testid="flow-api-curl" aria-labelledby="flow-api-curl-label">
          {curl}
        </pre>
        <CopyButton text={curl} label="Copy the example request" testId="copy-flow-api-curl" />
      </div>
      <p className="hint muted">
        Replace <code>&lt;key&gt;</code> with an API key. Staff create and revoke keys on the{" "}
        <a href="/api-keys/" target="_blank" rel="noopener" data-testid="api-keys-link">
          API keys page
        </a>
        .
      </p>
    </>
  );
}
