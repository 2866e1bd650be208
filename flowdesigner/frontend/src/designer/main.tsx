import "@xyflow/react/dist/style.css";
import "./designer.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { mountElement, readPageConfig } from "../shared/config";
import { App } from "./App";
import type { DesignerConfig } from "./types";

const config = readPageConfig<DesignerConfig>("designer-config");
createRoot(mountElement("designer-root")).render(
  <StrictMode>
    <App config={config} />
  </StrictMode>,
);
