// Preloaded into a measured child process: writes its peak resident memory (bytes) to $MAX_RSS_FILE on exit.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.MAX_RSS_FILE) writeFileSync(process.env.MAX_RSS_FILE, String(process.resourceUsage().maxRSS * 1024));
});
