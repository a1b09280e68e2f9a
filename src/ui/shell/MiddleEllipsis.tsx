// A name cut in the middle when it does not fit ("/stages/stag…/conv1.0/Conv"), the full name on hover.
import { splitForEllipsis } from './middle-ellipsis';

/** Inline name; its container gives the width. Screen readers get the whole name once. */
export function MiddleEllipsis({ text }: { text: string }) {
  const [head, tail] = splitForEllipsis(text);
  return (
    <span className="middle-ellipsis" title={text}>
      {head && <span className="middle-ellipsis-head" aria-hidden="true">{head}</span>}
      <span className="middle-ellipsis-tail" aria-hidden="true">{tail}</span>
      <span className="visually-hidden">{text}</span>
    </span>
  );
}
