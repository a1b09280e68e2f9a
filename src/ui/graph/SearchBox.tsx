// Search box over node names and op types; picking a hit selects the node and centres it.
import { useId, useMemo, useState, type KeyboardEvent, type RefObject } from 'react';
import { useStudio } from '../store/store';
import { searchNodes } from './search';

/** The search field with its result list (combobox pattern). `inputRef` lets "/" focus it. */
export function SearchBox({ inputRef }: { inputRef: RefObject<HTMLInputElement | null> }) {
  const summary = useStudio((s) => s.summary);
  const query = useStudio((s) => s.searchQuery);
  const setQuery = useStudio((s) => s.setSearchQuery);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const listId = useId();
  const hits = useMemo(() => (summary ? searchNodes(summary, query) : []), [summary, query]);

  const pick = (id: string): void => {
    const store = useStudio.getState();
    store.select(id);
    store.requestCenter(id);
    setOpen(false);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (hits.length ? (a + (e.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length : 0));
    } else if (e.key === 'Enter' && hits.length > 0) {
      e.preventDefault();
      pick(hits[Math.min(active, hits.length - 1)]!.id);
    } else if (e.key === 'Escape') {
      setOpen(false);
      e.currentTarget.blur();
    }
  };

  return (
    <div className="search">
      <input
        ref={inputRef}
        type="search"
        role="combobox"
        aria-label="Search nodes"
        aria-expanded={open && hits.length > 0}
        aria-controls={listId}
        aria-activedescendant={open && hits[active] ? `${listId}-${active}` : undefined}
        placeholder="Search name or op  ( / )"
        value={query}
        disabled={!summary}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKey}
      />
      {open && query.trim() !== '' && (
        <ul id={listId} role="listbox" className="search-results" aria-label="Matching nodes">
          {hits.length === 0 && <li className="search-empty">No node matches “{query}”</li>}
          {hits.map((h, i) => (
            <li
              key={h.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(h.id)}
            >
              <span className="hit-op">{h.opType}</span> <span className="hit-name">{h.name}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
