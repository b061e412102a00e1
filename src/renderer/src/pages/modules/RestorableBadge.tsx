import { Icon } from '../../components/Icon'

/** ✓ restorable (checksum matches) or ✗ with the problem. */
export function RestorableBadge({ restorable, problem }: { restorable: boolean; problem: string | null }) {
  return restorable ? (
    <span className="badge ok" title="The archive matches its recorded checksum">
      <Icon name="check" size={12} /> restorable
    </span>
  ) : (
    <span className="badge bad" title={problem ?? 'The archive does not match its checksum'}>
      <Icon name="close" size={12} /> not restorable
    </span>
  )
}
