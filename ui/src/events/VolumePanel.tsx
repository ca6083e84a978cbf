// Daily volume and quarantine counts. The collection pipeline does not publish
// `/api/events/stats` yet, so this says so instead of drawing an empty chart.
export function VolumePanel({ name }: { name: string }) {
  return (
    <section aria-labelledby="volume-title" className="panel" data-testid="volume-panel">
      <h2 id="volume-title">Daily volume</h2>
      <p className="muted small">
        No pipeline data yet. Once the collection pipeline runs, the events received per day and
        those quarantined for failing validation will be charted here for <code>{name}</code>.
      </p>
    </section>
  );
}
