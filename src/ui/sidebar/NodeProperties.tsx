// The "Node" side panel: everything known about the selected node (or graph input/output).
import { Fragment } from 'react';
import { dataTypeName } from '../../workers/data-types';
import { formatCount, formatShape } from '../format';
import { useStudio } from '../store/store';
import { NodeGroups } from './NodeGroups';

function TensorList({ names, title }: { names: string[]; title: string }) {
  const tensors = useStudio((s) => s.summary?.tensors);
  return (
    <>
      <h4>{title}</h4>
      <ul className="tensors">
        {names.filter(Boolean).map((name) => {
          const t = tensors?.[name];
          return (
            <li key={name}>
              <span className="tensor-name">{name}</span>{' '}
              <span className="tensor-shape">{formatShape(t?.shape)} {dataTypeName(t?.dataType)}</span>
              {t?.constant && <span className="badge">weight</span>}
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** Properties of the selected node; empty-state text when nothing is selected. */
export function NodeProperties() {
  const summary = useStudio((s) => s.summary);
  const selectedId = useStudio((s) => s.selectedId);
  const layout = useStudio((s) => s.layout);
  if (!summary || !selectedId) return <p className="muted">Click a node in the graph, or search for one ( / ).</p>;

  const port = [...summary.inputs, ...summary.outputs].find((p) => p.id === selectedId);
  if (port) {
    return (
      <div data-testid="node-properties">
        <h3>{port.id.startsWith('input:') ? 'Graph input' : 'Graph output'}</h3>
        <dl className="props">
          <dt>Name</dt><dd>{port.name}</dd>
          <dt>Shape</dt><dd>{formatShape(port.shape)}</dd>
          <dt>Type</dt><dd>{dataTypeName(port.dataType)}</dd>
        </dl>
      </div>
    );
  }
  const node = summary.nodes.find((n) => n.id === selectedId);
  if (!node) return <p className="muted">The selected node is not in this model.</p>;
  const boxId = layout?.displayOf[node.id];
  const box = boxId ? layout?.nodes.find((n) => n.id === boxId) : undefined;
  return (
    <div data-testid="node-properties">
      <h3 className="node-title"><span className={`swatch fam-${node.family}`} aria-hidden="true" />{node.opType}</h3>
      <dl className="props">
        <dt>Name</dt><dd className="break">{node.name || <em>unnamed</em>}</dd>
        {node.domain && (<><dt>Domain</dt><dd>{node.domain}</dd></>)}
        <dt>Parameters</dt><dd data-testid="node-params">{formatCount(node.params)}</dd>
        <dt>MACs</dt><dd>{formatCount(node.macs)}</dd>
      </dl>
      {box && box.members.length > 1 && (
        <p className="muted">
          Drawn together with {box.members.filter((m) => m !== node.id).map((m) => (
            <button key={m} type="button" className="link" onClick={() => useStudio.getState().select(m)}>{m}</button>
          ))} (compact view).
        </p>
      )}
      <NodeGroups nodeId={node.id} />
      <TensorList title="Inputs" names={node.inputs} />
      <TensorList title="Outputs" names={node.outputs} />
      {node.attributes.length > 0 && (
        <>
          <h4>Attributes</h4>
          <dl className="props attrs">
            {node.attributes.map((a) => (<Fragment key={a.name}><dt>{a.name}</dt><dd>{a.value}</dd></Fragment>))}
          </dl>
        </>
      )}
    </div>
  );
}
