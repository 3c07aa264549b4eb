import type { JobEvent } from '../proto/events.js';

/** One line per event for the page's event log. */
export function eventText(event: JobEvent): string {
  switch (event.type) {
    case 'job.submitted':
      return `submitted: ${event.prompt.slice(0, 200)}`;
    case 'job.planned':
      return `planned ${event.tasks.length} tasks`;
    case 'job.integrating':
      return `acceptance round ${event.round} of ${event.maxRounds} on ${event.commit.slice(0, 8)}`;
    case 'job.accepted':
      return `accepted in round ${event.round}: ${event.passed}/${event.total}`;
    case 'job.requirements':
      return `requirements judged (round ${event.round}): ${event.requirements.filter((r) => r.verdict === 'passed').length}/${event.requirements.length} passed`;
    case 'acceptance.check':
      return `round ${event.round} ${event.result.status}: ${event.result.title}`;
    case 'job.failed':
      return `failed: ${event.error.code}: ${event.error.message}`;
    case 'job.cancelled':
      return `cancelled: ${event.reason}`;
    case 'task.dispatched':
      return `${event.taskId} dispatched to ${event.role}, attempt ${event.attempt}`;
    case 'task.progress':
      return `${event.taskId} ${event.phase}, ${event.tokens} tokens (${event.worker})`;
    case 'task.completed':
      return `${event.taskId} completed: ${event.output.files.length} file(s), ${event.output.commit.slice(0, 8)}`;
    case 'task.committed':
      return `${event.taskId} committed ${event.output.commit.slice(0, 8)} with verdict ${event.verdict}: needs a fix`;
    case 'task.failed':
      return `${event.taskId} failed (attempt ${event.attempt}): ${event.error.code}: ${event.error.message}`;
    case 'task.created':
      return `${event.taskId} created: ${event.reason} for ${event.fixOf}`;
    case 'task.blocked':
      return `${event.taskId} blocked by ${event.blockedBy}`;
    case 'task.cancelled':
      return `${event.taskId} cancelled`;
    case 'validation.stage':
      return `${event.taskId} ${event.result.stage} ${event.result.status}: ${event.result.summary}`;
    case 'job.planning':
    case 'job.resumed':
    case 'job.completed':
      return event.type.slice(4);
  }
}
