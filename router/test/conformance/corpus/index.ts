import type { ConformanceSupergraph } from "../corpus-types.ts";
import { abstractPartial } from "./abstract-partial.ts";
import { abstractTypes } from "./abstract-types.ts";
import { errors } from "./errors.ts";
import { inaccessible } from "./inaccessible.ts";
import { interfaceObject } from "./interface-object.ts";
import { keys } from "./keys.ts";
import { lists } from "./lists.ts";
import { nodeInterface } from "./node-interface.ts";
import { nodePartial } from "./node-partial.ts";
import { requiresProvides } from "./requires-provides.ts";
import { shareableOverride } from "./shareable-override.ts";
import { shop } from "./shop.ts";

/** Every supergraph of the corpus; add a new module here. */
export const CORPUS: readonly ConformanceSupergraph[] = [
  abstractTypes,
  abstractPartial,
  interfaceObject,
  inaccessible,
  requiresProvides,
  shareableOverride,
  keys,
  nodeInterface,
  nodePartial,
  errors,
  shop,
  lists,
];
