// Starts the TypeScript engine worker in development and under the CLI (tsx registers the loader in this thread).
import { register } from 'tsx/esm/api'

register()
await import('./engineWorker.ts')
