/** An error in place: what went wrong, and what to do about it when we know. */
export function ErrorCallout({ error }: { error: { message: string; hint?: string } }) {
  return (
    <div className="callout danger" role="alert">
      <div>
        <strong>{error.message}</strong>
        {error.hint && <p>{error.hint}</p>}
      </div>
    </div>
  )
}
