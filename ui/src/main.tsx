import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { adoptTokenFromUrl } from "./api";
import { createQueryClient } from "./queryClient";
import { routes } from "./routes";
import "./styles.css";

// Before the router reads the URL: keep a `?token=` and drop it from the address bar.
adoptTokenFromUrl();

const queryClient = createQueryClient();
const router = createBrowserRouter(routes);

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
