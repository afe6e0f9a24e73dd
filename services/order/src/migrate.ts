/**
 * The order service's migrate-and-seed step: `node dist/migrate.js [--check | --wait]` (see
 * shared/postgres/src/migrate-command.ts). Run once per deployment before the service starts.
 */
import path from 'node:path';
import { runMigrateCommand } from '@tracecart/postgres';

runMigrateCommand('order', path.join(__dirname, '..', 'migrations'));
