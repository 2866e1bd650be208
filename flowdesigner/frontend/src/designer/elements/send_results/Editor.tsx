export function SendResultsEditor() {
  return (
    <p className="muted">
      Sends the answers collected so far to the flow’s callback URL, then continues. Nothing to configure.
    </p>
  );
}
