// tests/bench/compare/pouchdb.mjs - PouchDB 9 replication rate (memory
// adapter), for tests/bench/compare.sh (run from the scratch dir holding
// node_modules).
//
//   node pouchdb.mjs N [BATCH_SIZE]
//
// Database A receives N documents of ~600 bytes by bulkDocs (batches of
// 1,000); then PouchDB.replicate(A, B) to completion (B empty, both with the
// memory adapter), replication's batch_size BATCH_SIZE (default 100,
// PouchDB's own default). Timed from the replicate call until it resolves,
// then checked: B's doc_count is N and its last document is A's. Prints:
//   pouchdb docs=N secs=S rate=R cpu=C load_rate=L bytes=B written=W
import PouchDB from 'pouchdb'
import memory from 'pouchdb-adapter-memory'
import crypto from 'node:crypto'

const n = Number(process.argv[2] || 100000)
const batchSize = Number(process.argv[3] || 100)
if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(batchSize) || batchSize <= 0) {
  console.error('usage: node pouchdb.mjs N [BATCH_SIZE]')
  process.exit(2)
}
PouchDB.plugin(memory)

const id = (i) => `note-${String(i).padStart(9, '0')}`
const a = new PouchDB('lfhub-compare-a', { adapter: 'memory' })
const b = new PouchDB('lfhub-compare-b', { adapter: 'memory' })

// ~600 bytes of random-ish text per document (as the hypercore records).
let bytes = 0
const ta = performance.now()
for (let i = 0; i < n;) {
  const docs = []
  for (let k = 0; k < 1000 && i < n; k++, i++) {
    const doc = { _id: id(i), i, kind: 'note', body: crypto.randomBytes(288).toString('hex') }
    bytes += JSON.stringify(doc).length
    docs.push(doc)
  }
  const res = await a.bulkDocs(docs)
  if (res.some((r) => r.error)) {
    console.error('pouchdb: bulkDocs refused documents')
    process.exit(1)
  }
}
const loadSecs = (performance.now() - ta) / 1000

const cpu0 = process.cpuUsage()
const t0 = performance.now()
const result = await PouchDB.replicate(a, b, { batch_size: batchSize })
const secs = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)

const info = await b.info()
if (!result.ok || info.doc_count !== n) {
  console.error(`pouchdb: B holds ${info.doc_count} of ${n} documents (ok=${result.ok})`)
  process.exit(1)
}
const [x, y] = await Promise.all([a.get(id(n - 1)), b.get(id(n - 1))])
if (x.body !== y.body || x._rev !== y._rev) {
  console.error('pouchdb: B\'s last document differs from A\'s')
  process.exit(1)
}
await a.destroy()
await b.destroy()
console.log(`pouchdb docs=${n} secs=${secs.toFixed(3)} rate=${(n / secs).toFixed(0)} ` +
  `cpu=${((cpu.user + cpu.system) / 1e6).toFixed(2)} load_rate=${(n / loadSecs).toFixed(0)} ` +
  `bytes=${Math.round(bytes / n)} written=${result.docs_written}`)
process.exit(0)
