// "Input size for MACs" (Model tab): shown when the first input has dynamic dimensions besides the
// batch (detectors, segmenters, OCR), whose MACs are otherwise lower bounds; the placeholder
// suggests a size with the declared dimensions filled in.
import { useState } from 'react';
import { formatShape } from '../format';
import { parseInputSize, setInputSize } from '../actions/input-size';
import { useStudio } from '../store/store';

export function InputSizeForm() {
  const summary = useStudio((s) => s.summary);
  const [text, setText] = useState('');
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = summary?.inputs[0];
  const dynamic = !!input?.shape && input.shape.slice(1).some((d) => typeof d !== 'number');
  if (!summary || !input || (!dynamic && !summary.inputSize)) return null;
  const apply = async (shape: number[] | undefined) => {
    setBusy(true);
    const error = await setInputSize(shape);
    setBusy(false);
    setMessage(error ?? (shape ? `MACs counted at ${shape.join('×')}.` : 'MACs counted at the declared shape.'));
  };
  const submit = () => {
    try {
      void apply(parseInputSize(text));
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  const example = (input.shape ?? []).map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 640)).join(',');
  return (
    <form className="input-size" data-testid="input-size" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <p className="muted">
        {summary.inputSize
          ? `The file leaves ${input.name}'s height/width to run time; shapes and MACs are counted at ${summary.inputSize.join('×')}. Another size:`
          : `${input.name} is ${formatShape(input.shape)}: its height/width are chosen at run time, so MACs are a lower bound (≥). Give the size you will run at:`}
      </p>
      <div className="row">
        <label>
          Input size{' '}
          <input type="text" value={text} placeholder={example} aria-label="Input size for MACs" onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>Count MACs</button>
        {summary.inputSize && <button type="button" disabled={busy} onClick={() => void apply(undefined)}>Declared shape</button>}
      </div>
      {message && <p className="hint" role="status">{message}</p>}
    </form>
  );
}
