import "./reports.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { mountElement, readPageConfig } from "../shared/config";
import { PerformancePage } from "./PerformancePage";
import type { PerformanceConfig } from "./types";

const config = readPageConfig<PerformanceConfig>("performance-config");
createRoot(mountElement("performance-root")).render(
  <StrictMode>
    <PerformancePage config={config} />
  </StrictMode>,
);
