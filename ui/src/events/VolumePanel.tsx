// Daily volume of one event from the collection pipeline: loaded vs quarantined, last 14 days.
import { useQuery } from "@tanstack/react-query";
import { ErrorPanel, Loading } from "../components/QueryState";
import { eventsApi } from "./api";
import type { EventVolume } from "./types";
import { VolumeChart, formatCount } from "./VolumeChart";

const DAYS = 14;

export function VolumePanel({ name }: { name: string }) {
  const volume = useQuery({
    queryKey: ["events", "volume", name, DAYS],
    queryFn: ({ signal }) => eventsApi.volume(name, DAYS, signal),
    refetchInterval: 30_000, // new events keep landing while the page is open
  });
  return (
    <section aria-labelledby="volume-title" className="panel" data-testid="volume-panel">
      <h2 id="volume-title">
        Daily volume <span className="volume-period">last {DAYS} days · UTC</span>
      </h2>
      {volume.isPending ? (
        <Loading label="Loading daily volume…" />
      ) : volume.isError ? (
        <ErrorPanel error={volume.error} title="Cannot load the daily volume" />
      ) : (
        <VolumeBody name={name} data={volume.data} />
      )}
    </section>
  );
}

function VolumeBody({ name, data }: { name: string; data: EventVolume }) {
  const { totals } = data;
  if (totals.loaded === 0 && totals.quarantined === 0) {
    return (
      <div className="volume-empty" data-testid="volume-empty">
        <p>
          {data.tables.length ? (
            <>
              <strong>No events</strong> in the last {data.days} days.
            </>
          ) : (
            <strong>No events received yet.</strong>
          )}
        </p>
        <p className="muted small">
          Once apps send <code>{name}</code> to <code>POST /collect</code>, the events loaded into
          the warehouse and those quarantined each day are charted here.
        </p>
      </div>
    );
  }
  const received = totals.loaded + totals.quarantined;
  const share = received ? (totals.quarantined / received) * 100 : 0;
  const duplicates = totals.natural_duplicates + totals.synthetic_duplicates;
  return (
    <>
      <p className="volume-summary" data-testid="volume-summary">
        <span>
          <strong>{formatCount(totals.loaded)}</strong> loaded
        </span>
        <span>
          <strong className={totals.quarantined ? "volume-bad" : undefined}>
            {formatCount(totals.quarantined)}
          </strong>{" "}
          quarantined
          {totals.quarantined ? (
            <span className="muted"> ({share < 0.1 ? "<0.1" : share.toFixed(1)}%)</span>
          ) : null}
        </span>
      </p>
      <ul className="volume-legend" aria-label="Legend">
        <li>
          <span className="swatch swatch-loaded" aria-hidden="true" /> Loaded (event date)
        </li>
        <li>
          <span className="swatch swatch-quarantined" aria-hidden="true" /> Quarantined (day
          received)
        </li>
      </ul>
      <VolumeChart
        series={data.series}
        title={`${name}: events loaded and quarantined per day, ${data.from} to ${data.to} (UTC)`}
      />
      {totals.reasons.length || duplicates ? (
        <dl className="volume-notes small">
          {totals.reasons.length ? (
            <div>
              <dt>Top quarantine reasons</dt>
              <dd>
                {totals.reasons.map((r) => (
                  <span key={r.rule} className="volume-reason">
                    <code>{r.rule}</code> {formatCount(r.count)}
                  </span>
                ))}
              </dd>
            </div>
          ) : null}
          {duplicates ? (
            <div>
              <dt>Duplicates removed</dt>
              <dd>
                {formatCount(totals.natural_duplicates)} natural (re-sent),{" "}
                {formatCount(totals.synthetic_duplicates)} synthetic (same id, other payload)
              </dd>
            </div>
          ) : null}
        </dl>
      ) : null}
    </>
  );
}
