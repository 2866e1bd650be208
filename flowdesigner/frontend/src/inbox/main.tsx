import "./inbox.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { mountElement, readPageConfig } from "../shared/config";
import { Inbox } from "./Inbox";
import type { InboxConfig } from "./types";

const config = readPageConfig<InboxConfig>("inbox-config");
createRoot(mountElement("inbox-root")).render(
  <StrictMode>
    <Inbox config={config} />
  </StrictMode>,
);
