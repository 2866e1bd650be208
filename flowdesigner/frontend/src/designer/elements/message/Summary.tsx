import { memo } from "react";
import { TemplateText } from "../../components/TemplateText";
import type { JsonObject } from "../../types";
import { channelBadge } from "./channel";
import { ChannelBadge } from "./ChannelField";
import { readMessage } from "./config";
import { replyTimeoutSummary } from "./ReplyTimeout";

export const MessageSummary = memo(function MessageSummary({ config }: { config: JsonObject }) {
  const { text } = readMessage(config);
  const timeout = replyTimeoutSummary(config);
  return (
    <>
      <ChannelBadge label={channelBadge(config)} />
      {text ? (
        <p className="node-summary">
          <TemplateText text={text} />
        </p>
      ) : (
        <p className="node-summary empty">No text yet</p>
      )}
      {timeout && <p className="node-summary muted reply-timeout">{timeout}</p>}
    </>
  );
});
