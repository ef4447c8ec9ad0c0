// tests/bench/compare/hypercore.mjs - hypercore 11 replication rate, for
// tests/bench/compare.sh (run from the scratch dir holding node_modules).
//
//   node hypercore.mjs N DIR
//
// A writer core appends N blocks of ~600 bytes (batches of 1,000); a second
// core (the clone, same key) replicates from it in-process over a pair of
// streams, as hypercore's own tests do: a.replicate(true) piped to
// b.replicate(false). Timed from the creation of the streams until
// clone.download({ start: 0, end: N }).done() resolves, then checked: the
// clone's contiguous length is N and its last block is the writer's.
// Hypercore 11 stores in RocksDB (hypercore-storage): both cores live under
// DIR (hypercore has no in-memory storage since 11). Prints one line:
//   hypercore records=N secs=S rate=R cpu=C append_rate=A bytes=B
import Hypercore from 'hypercore'
import crypto from 'node:crypto'
import path from 'node:path'

const n = Number(process.argv[2] || 100000)
const dir = process.argv[3]
if (!Number.isInteger(n) || n <= 0 || !dir) {
  console.error('usage: node hypercore.mjs N DIR')
  process.exit(2)
}

// ~600 bytes of random-ish text: a short header and 288 random bytes in hex.
function record (i) {
  return Buffer.from(`{"i":${i},"kind":"note","body":"${crypto.randomBytes(288).toString('hex')}"}`)
}

const writer = new Hypercore(path.join(dir, 'writer'))
await writer.ready()
let bytes = 0
const ta = performance.now()
for (let i = 0; i < n;) {
  const batch = []
  for (let k = 0; k < 1000 && i < n; k++, i++) {
    const r = record(i)
    bytes += r.length
    batch.push(r)
  }
  await writer.append(batch)
}
const appendSecs = (performance.now() - ta) / 1000

const clone = new Hypercore(path.join(dir, 'clone'), writer.key)
await clone.ready()

const cpu0 = process.cpuUsage()
const t0 = performance.now()
const s1 = writer.replicate(true, { keepAlive: false })
const s2 = clone.replicate(false, { keepAlive: false })
s1.on('error', () => {})
s2.on('error', () => {})
s1.pipe(s2).pipe(s1)
await clone.download({ start: 0, end: n }).done()
const secs = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)

if (clone.contiguousLength !== n) {
  console.error(`hypercore: clone holds ${clone.contiguousLength} of ${n} blocks`)
  process.exit(1)
}
const last = await clone.get(n - 1, { wait: false })
const want = await writer.get(n - 1)
if (!last || !last.equals(want)) {
  console.error('hypercore: the clone\'s last block differs from the writer\'s')
  process.exit(1)
}
s1.destroy()
s2.destroy()
await clone.close()
await writer.close()
console.log(`hypercore records=${n} secs=${secs.toFixed(3)} rate=${(n / secs).toFixed(0)} ` +
  `cpu=${((cpu.user + cpu.system) / 1e6).toFixed(2)} append_rate=${(n / appendSecs).toFixed(0)} ` +
  `bytes=${Math.round(bytes / n)}`)
process.exit(0)
