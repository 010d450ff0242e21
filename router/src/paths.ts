import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

/** The repository root, so defaults do not depend on the directory a command is started from. */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));

export const DEFAULT_SUPERGRAPH_PATH = resolve(REPO_ROOT, "router/supergraph.graphql");
export const SUBGRAPHS_DIR = resolve(REPO_ROOT, "subgraphs");
