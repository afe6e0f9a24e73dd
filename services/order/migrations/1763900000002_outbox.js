// The transactional outbox table; its definition lives with the outbox code in @tracecart/messaging.
const { OUTBOX_TABLE_SQL } = require('@tracecart/messaging');

exports.up = (pgm) => {
  pgm.sql(OUTBOX_TABLE_SQL);
};

exports.down = (pgm) => {
  pgm.sql('DROP TABLE outbox');
};
