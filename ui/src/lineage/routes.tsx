import type { RouteObject } from "react-router";
import { LineagePage } from "./LineagePage";

export const lineageRoutes: RouteObject[] = [{ index: true, element: <LineagePage /> }];
