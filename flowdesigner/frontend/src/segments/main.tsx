import "./segments.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { mountElement, readPageConfig } from "../shared/config";
import { SegmentEditor } from "./SegmentEditor";
import type { SegmentsConfig } from "./types";

const config = readPageConfig<SegmentsConfig>("segments-config");
createRoot(mountElement("segments-root")).render(
  <StrictMode>
    <SegmentEditor config={config} />
  </StrictMode>,
);
