// Run one ONNX graph in onnxruntime-node (the runtime the app uses) and write its outputs for the Python tests.
// usage: node tools/tests/ort_run.mjs spec.json
// spec: {model, out, threads?, inputs: {name: {type: "int64"|"float32", dims: [...], data?: [...], file?: raw LE path}}}
// writes <out>/<output>.bin (raw little-endian) and <out>/outputs.json {name: {type, dims}, _load_ms, _run_ms}
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const feeds = {};
for (const [name, t] of Object.entries(spec.inputs)) {
  const n = t.dims.reduce((a, b) => a * b, 1);
  let data;
  if (t.type === 'int64') {
    data = new BigInt64Array(n);
    if (t.data) t.data.forEach((v, i) => { data[i] = BigInt(v); });
  } else if (t.type === 'float32') {
    if (t.file) {
      const buf = fs.readFileSync(t.file);
      data = new Float32Array(buf.buffer, buf.byteOffset, n);
    } else {
      data = new Float32Array(n);
      if (t.data) data.set(t.data);
    }
  } else throw new Error(`unsupported type ${t.type}`);
  feeds[name] = new ort.Tensor(t.type, data, t.dims);
}
const t0 = Date.now();
const session = await ort.InferenceSession.create(spec.model, {
  intraOpNumThreads: spec.threads ?? 2, graphOptimizationLevel: spec.optimization ?? 'all',
});
const t1 = Date.now();
const result = await session.run(feeds);
const t2 = Date.now();
fs.mkdirSync(spec.out, { recursive: true });
const meta = { _load_ms: t1 - t0, _run_ms: t2 - t1, _inputs: session.inputNames, _outputs: session.outputNames };
const wanted = spec.outputs ?? Object.keys(result);
for (const name of wanted) {
  const t = result[name];
  meta[name] = { type: t.type, dims: t.dims.map(Number) };
  const d = t.data;
  fs.writeFileSync(path.join(spec.out, `${name}.bin`), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
}
fs.writeFileSync(path.join(spec.out, 'outputs.json'), JSON.stringify(meta));
await session.release?.();
