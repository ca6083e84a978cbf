// The Event Center's pages under /events.
import type { RouteObject } from "react-router";
import { EditEventPage, NewEventPage } from "./builder/SchemaBuilderPage";
import { DictionaryPage } from "./DictionaryPage";
import { DiffPage } from "./DiffPage";
import { EventPage } from "./EventPage";
import "./events.css";

export const eventRoutes: RouteObject[] = [
  { index: true, element: <DictionaryPage /> },
  { path: "new", element: <NewEventPage /> },
  { path: ":name", element: <EventPage /> },
  { path: ":name/edit", element: <EditEventPage /> },
  { path: ":name/diff", element: <DiffPage /> },
];
