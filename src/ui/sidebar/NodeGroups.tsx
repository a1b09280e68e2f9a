// The dependency groups a node belongs to (core/graph/channels via the studio worker): which
// channels must be pruned together with it, or why they cannot be pruned (the barrier).
import { MiddleEllipsis } from '../shell/MiddleEllipsis';
import { useStudio } from '../store/store';

/** Groups listing `nodeId` as a member; a note while groups are not analysed yet. */
export function NodeGroups({ nodeId }: { nodeId: string }) {
  const groups = useStudio((s) => s.groups);
  const error = useStudio((s) => s.groupsError);
  const ratios = useStudio((s) => s.ratios);
  if (error) return <p className="muted">Dependency groups unavailable: {error}</p>;
  if (!groups) return <p className="muted">Dependency groups: not analysed yet.</p>;
  const mine = groups.filter((g) => g.members.includes(nodeId));
  if (mine.length === 0) return <p className="muted">In no dependency group (no prunable channels pass through it).</p>;
  return (
    <>
      <h4>Dependency groups</h4>
      <ul className="groups" data-testid="node-groups">
        {mine.map((g) => (
          <li key={g.id}>
            <button type="button" className="link" onClick={() => useStudio.getState().selectGroup(g.id)}>
              <MiddleEllipsis text={g.label} />
            </button>{' '}
            {g.channels} channels, {g.members.length} layers
            {g.prunable ? (
              <span className="badge">{ratios[g.id] ? `prune ${Math.round(ratios[g.id]! * 100)} %` : 'prunable'}</span>
            ) : (
              <p className="barrier">Not prunable: {g.reason ?? 'a barrier blocks it'}</p>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
