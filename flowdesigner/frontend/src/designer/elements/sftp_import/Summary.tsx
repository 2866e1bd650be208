import { memo } from "react";
import type { JsonObject } from "../../types";
import { readSftpImport, sftpImportSummary } from "./config";

export const SftpImportSummary = memo(function SftpImportSummary({ config }: { config: JsonObject }) {
  const sftp = readSftpImport(config);
  const [files, ...rest] = sftpImportSummary(sftp);
  return (
    <>
      <p className="node-summary call-url">{files}</p>
      {sftp.connection === null && <p className="node-summary empty">No SFTP server chosen yet</p>}
      {rest.map((line) => (
        <p key={line} className="node-summary muted">
          {line}
        </p>
      ))}
    </>
  );
});
