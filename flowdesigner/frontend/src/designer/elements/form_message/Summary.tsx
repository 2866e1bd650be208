import { memo } from "react";
import { TemplateText } from "../../components/TemplateText";
import type { JsonObject } from "../../types";
import { channelBadge } from "../message/channel";
import { ChannelBadge } from "../message/ChannelField";
import { replyTimeoutSummary } from "../message/ReplyTimeout";
import { readFormMessage } from "./config";
import { WIDGET_LABELS } from "./widgets";

export const FormMessageSummary = memo(function FormMessageSummary({ config }: { config: JsonObject }) {
  const { text, widget } = readFormMessage(config);
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
      <p className="node-summary widget-kind">{WIDGET_LABELS[widget.type]}</p>
      {timeout && <p className="node-summary muted reply-timeout">{timeout}</p>}
    </>
  );
});
