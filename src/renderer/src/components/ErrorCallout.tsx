import { Icon } from './Icon'

/** An error in place: what went wrong, and what to do about it when we know. */
export function ErrorCallout({ error, className, icon = false }: { error: { message: string; hint?: string }; className?: string; icon?: boolean }) {
  return (
    <div className={`callout danger${className ? ` ${className}` : ''}`} role="alert">
      {icon && <Icon name="alert" size={18} />}
      <div>
        <strong>{error.message}</strong>
        {error.hint && <p>{error.hint}</p>}
      </div>
    </div>
  )
}
