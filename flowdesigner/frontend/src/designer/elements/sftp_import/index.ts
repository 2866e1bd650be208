import type { ElementModule } from "../types";
import { sftpImportExits } from "./config";
import { SftpImportEditor } from "./Editor";
import { SftpImportSummary } from "./Summary";

/** Starts a participant for each valid row of the files put in a folder of an SFTP server. */
export const sftpImport: ElementModule = {
  type: "sftp_import",
  defaults: {
    connection: null,
    path: "/",
    pattern: "*.csv",
    delimiter: ",",
    contact: { phone: "", email: "" },
    attributes: [],
    variables: [],
  },
  exits: sftpImportExits,
  Summary: SftpImportSummary,
  Editor: SftpImportEditor,
};
