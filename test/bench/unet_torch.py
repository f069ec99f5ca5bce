#!/usr/bin/env python3
"""PyTorch reference of TileLab's U-Net, for `npm run bench` and for the parameter-count / parity tests.

The network is built from the same layer list as src-main/engine/model/unet.ts (`buildUnet`): the same layer names
(enc{l}_conv{1,2}, enc{l}_drop, enc{l}_pool, dec{l}_up, dec{l}_concat, dec{l}_conv{1,2}, head), the same widths
(base * 2**level), 3x3 'same' ReLU convs, 2x2 max-pool, nearest x2 up-sampling or 2x2 stride-2 transposed conv,
concat [upsampled, skip], 1x1 sigmoid head, dropout 0.2 between the two convs of levels 2 and 3 (the paper's L3, L4).
Paper configuration (base 32, depth 4, upsample): 7,846,081 parameters (paper-spec section 2).

Weight layouts are PyTorch's: Conv2d [cout, cin, kh, kw], ConvTranspose2d [cin, cout, kh, kw]; these are also the
ONNX layouts written by src-main/engine/onnx/exportOnnx.ts, so `--forward --weights` can load TileLab's weights.

Modes (all print one JSON object on stdout):
  --count     parameter count of the configuration
  --layers    the layer list with weight shapes
  --forward   run the model on a raw float32 [N,H,W] file with weights from a manifest (parity tests)
  --bench     timings (medians after warm-up): full 240x240 inference (batch 8), one batch of 9 128x128 tiles,
              tiled 128/64 per slice (9 tiles batched, blended), a 155-slice study full + tiled, training step at
              128x128 batch 8 (Adam lr 1e-4, the paper's loss), for each base in --bases; --parts picks
              slice,study,train; --device cuda runs on the GPU (timings synchronised)
  --probe     torch version, threads, BLAS in use, whether CUDA is usable (and why not)

Requires Debian's python3-torch with OpenBLAS (`apt-get install python3-torch libopenblas0-pthread`); without
OpenBLAS Debian's torch falls back to the slow reference BLAS. Run it with /usr/bin/python3.
"""
import argparse
import json
import os
import re
import resource
import statistics
import sys
import time

APT_HINT = 'apt-get install python3-torch libopenblas0-pthread'
DROPOUT_LEVELS = (2, 3)

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as err:  # the bench names the fix and installs nothing
    print(json.dumps({'error': 'torch missing: %s' % err, 'install': APT_HINT}))
    sys.exit(3)


def layer_list(base=32, depth=4, upsampling='upsample', dropout=0.2):
    """The U-Net as an ordered list of layer dicts: name, op, and for convs cin/cout/kernel/stride."""
    layers = []
    cin = 1
    for level in range(depth + 1):
        f = base * 2 ** level
        layers.append(dict(name='enc%d_conv1' % level, op='conv', cin=cin, cout=f, kernel=3, stride=1, act='relu'))
        if level in DROPOUT_LEVELS and level < depth and dropout > 0:
            layers.append(dict(name='enc%d_drop' % level, op='dropout', rate=dropout))
        layers.append(dict(name='enc%d_conv2' % level, op='conv', cin=f, cout=f, kernel=3, stride=1, act='relu'))
        cin = f
        if level < depth:
            layers.append(dict(name='enc%d_pool' % level, op='maxpool', kernel=2, stride=2))
    for level in range(depth - 1, -1, -1):
        f = base * 2 ** level
        below = base * 2 ** (level + 1)
        if upsampling == 'upsample':
            layers.append(dict(name='dec%d_up' % level, op='upsample', scale=2))
            up_out = below
        else:
            layers.append(dict(name='dec%d_up' % level, op='convtranspose', cin=below, cout=f, kernel=2, stride=2))
            up_out = f
        layers.append(dict(name='dec%d_concat' % level, op='concat', skip='enc%d_conv2' % level))
        layers.append(dict(name='dec%d_conv1' % level, op='conv', cin=up_out + f, cout=f, kernel=3, stride=1, act='relu'))
        layers.append(dict(name='dec%d_conv2' % level, op='conv', cin=f, cout=f, kernel=3, stride=1, act='relu'))
    layers.append(dict(name='head', op='conv', cin=base, cout=1, kernel=1, stride=1, act='sigmoid'))
    return layers


class UNet(nn.Module):
    """The layer list as a PyTorch module (NCHW, C = 1 in and out)."""

    def __init__(self, base=32, depth=4, upsampling='upsample', dropout=0.2):
        super().__init__()
        self.config = dict(base=base, depth=depth, upsampling=upsampling, dropout=dropout)
        self.spec = layer_list(base, depth, upsampling, dropout)
        self.mods = nn.ModuleDict()
        for l in self.spec:
            if l['op'] == 'conv':
                m = nn.Conv2d(l['cin'], l['cout'], l['kernel'], padding=l['kernel'] // 2)
                if l['name'] == 'head':
                    nn.init.xavier_uniform_(m.weight)  # Keras glorot_uniform
                else:
                    nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')  # Keras he_uniform
                nn.init.zeros_(m.bias)
            elif l['op'] == 'convtranspose':
                m = nn.ConvTranspose2d(l['cin'], l['cout'], l['kernel'], stride=l['stride'])
                nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')
                nn.init.zeros_(m.bias)
            elif l['op'] == 'dropout':
                m = nn.Dropout(l['rate'])
            else:
                continue
            self.mods[l['name']] = m

    def forward(self, x):
        outputs = {}
        for l in self.spec:
            op, name = l['op'], l['name']
            if op == 'conv':
                x = self.mods[name](x)
                x = torch.sigmoid(x) if l['act'] == 'sigmoid' else F.relu(x)
            elif op == 'dropout':
                x = self.mods[name](x)
            elif op == 'maxpool':
                x = F.max_pool2d(x, 2, 2)
            elif op == 'upsample':
                x = F.interpolate(x, scale_factor=2, mode='nearest')
            elif op == 'convtranspose':
                x = self.mods[name](x)
            elif op == 'concat':
                x = torch.cat([x, outputs[l['skip']]], dim=1)
            outputs[name] = x
        return x


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def forward_gflop(spec, h, w):
    """Multiply-adds x 2 of one forward pass on an h x w image (convs only; pools/resizes are negligible)."""
    flop = 0
    for l in spec:
        if l['op'] == 'conv':
            flop += 2 * l['kernel'] ** 2 * l['cin'] * l['cout'] * h * w
        elif l['op'] == 'maxpool':
            h, w = h // 2, w // 2
        elif l['op'] == 'convtranspose':
            h, w = h * 2, w * 2
            flop += 2 * l['kernel'] ** 2 * l['cin'] * l['cout'] * (h // 2) * (w // 2)
        elif l['op'] == 'upsample':
            h, w = h * 2, w * 2
    return flop / 1e9


def blas_info():
    config = torch.__config__.show()
    found = re.search(r'BLAS_INFO=([^,\s]+)', config)
    blas_field = 'BLAS_INFO=' + found.group(1) if found else 'BLAS_INFO not reported'
    loaded = set()
    try:
        with open('/proc/self/maps') as maps:
            for row in maps:
                path = row.split()[-1]
                if 'blas' in path.lower() or 'lapack' in path.lower():
                    loaded.add(path)
    except OSError:
        pass
    openblas = any('openblas' in p for p in loaded)
    return dict(configBlasInfo=blas_field, loadedLibraries=sorted(loaded), openblas=openblas,
                pthread=any('openblas-pthread' in p for p in loaded),
                note=None if openblas else 'reference BLAS in use: ' + APT_HINT)


def tile_offsets(length, tile, stride):
    """The paper's tile origins: {k*stride < length - tile} plus length - tile (paper-spec section 4)."""
    out, idx = [], 0
    while True:
        if idx < length - tile:
            out.append(idx)
            idx += stride
        else:
            out.append(length - tile)
            return out


def predict_tiled(model, image, tile=128, stride=64):
    """Tiled inference of one [H, W] slice: all tiles in one batch, probabilities averaged where they overlap."""
    h, w = image.shape
    ys, xs = tile_offsets(h, tile, stride), tile_offsets(w, tile, stride)
    origins = [(y, x) for y in ys for x in xs]
    tiles = torch.stack([image[y:y + tile, x:x + tile] for y, x in origins]).unsqueeze(1)
    probs = model(tiles)[:, 0]
    acc = torch.zeros(h, w, device=image.device)
    count = torch.zeros(h, w, device=image.device)
    for (y, x), p in zip(origins, probs):
        acc[y:y + tile, x:x + tile] += p
        count[y:y + tile, x:x + tile] += 1
    return acc / count


def sync(device):
    """Waits for queued GPU work, so wall time covers it (no-op on CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def timed(fn, warmup, repeats, device=None):
    device = device or torch.device('cpu')
    for _ in range(warmup):
        fn()
    sync(device)
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync(device)
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), samples


def cuda_status():
    """Whether torch can run on a CUDA GPU here, and why not (never raises)."""
    try:
        if not torch.backends.cuda.is_built():
            return dict(available=False, reason='this torch build has no CUDA (torch %s)' % torch.__version__)
        if not torch.cuda.is_available():
            return dict(available=False, reason='torch has CUDA %s but no usable GPU/driver' % torch.version.cuda)
        return dict(available=True, reason='CUDA %s' % torch.version.cuda, device=torch.cuda.get_device_name(0))
    except Exception as err:  # a broken driver must not stop the CPU bench
        return dict(available=False, reason='torch.cuda failed: %s' % err)


def paper_loss(y, p):
    """-log(2*sum(y*p) + 1) + log(sum(y) + sum(p) + 1), sums over the whole batch (paper-spec section 3)."""
    return -torch.log(2 * (y * p).sum() + 1) + torch.log(y.sum() + p.sum() + 1)


def bench_base(base, args):
    device = torch.device(args.device)
    parts = set(args.parts.split(','))
    engine = 'pytorch' if device.type == 'cpu' else 'pytorch-' + device.type
    torch.manual_seed(base)
    model = UNet(base=base).to(device).eval()
    spec = model.spec
    rows = []
    g_full, g_tile = forward_gflop(spec, 240, 240), forward_gflop(spec, 128, 128)
    n_tiles = len(tile_offsets(240, 128, 64)) ** 2

    def randn(*shape):
        return torch.randn(*shape).to(device)

    def row(name, unit, value, samples, gflop, **extra):
        r = dict(name=name, base=base, engine=engine, device='cpu' if device.type == 'cpu' else 'gpu', unit=unit,
                 value=round(value, 3), samplesMs=[round(v, 2) for v in samples], gflop=round(gflop, 3))
        ms = value if unit.startswith('ms') else None
        if ms:
            r['gflops'] = round(gflop / (ms / 1000), 2)
        r.update(extra)
        rows.append(r)

    with torch.inference_mode():
        if 'slice' in parts:
            x = randn(args.batch, 1, 240, 240)
            med, s = timed(lambda: model(x), args.warmup, args.repeats, device)
            row('inference.full', 'msPerSlice', med / args.batch, [v / args.batch for v in s], g_full,
                batch=args.batch, size=240)
            full_ms = med / args.batch

            tiles = randn(n_tiles, 1, 128, 128)
            med, s = timed(lambda: model(tiles), args.warmup, args.repeats, device)
            row('inference.tileBatch', 'msPerBatch', med, s, g_tile * n_tiles, batch=n_tiles, size=128)

            image = randn(240, 240)
            med, s = timed(lambda: predict_tiled(model, image), args.warmup, args.repeats, device)
            row('inference.tiled', 'msPerSlice', med, s, g_tile * n_tiles, tiles=n_tiles, tile=128, stride=64,
                size=240, tiledOverFull=round(med / full_ms, 3), flopRatio=round(g_tile * n_tiles / g_full, 3))

        if 'study' in parts:
            study = randn(args.study_slices, 240, 240)

            def study_full():
                for i in range(0, args.study_slices, args.batch):
                    model(study[i:i + args.batch].unsqueeze(1))

            def study_tiled():
                for k in range(args.study_slices):
                    predict_tiled(model, study[k])

            # One slice-sized warm-up is enough (the study is long); with 'slice' the model is warm already.
            warm = 0 if 'slice' in parts or not args.warmup else 1
            for _ in range(warm):
                model(study[:args.batch].unsqueeze(1))
                predict_tiled(model, study[0])
            med, s = timed(study_full, 0, args.study_repeats, device)
            row('study.full', 'ms', med, s, g_full * args.study_slices, slices=args.study_slices, batch=args.batch)
            med, s = timed(study_tiled, 0, args.study_repeats, device)
            row('study.tiled', 'ms', med, s, g_tile * n_tiles * args.study_slices, slices=args.study_slices,
                tiles=n_tiles)

    if 'train' in parts:
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        xb = randn(args.train_batch, 1, 128, 128)
        yb = (F.avg_pool2d(torch.randn(args.train_batch, 1, 128, 128), 9, 1, 4) > 0.15).float().to(device)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = paper_loss(yb, model(xb))
            loss.backward()
            opt.step()

        med, s = timed(step, args.warmup, args.repeats, device)
        # A training step is ~3 forward passes of work (forward, grad w.r.t. activations, grad w.r.t. weights).
        row('train.step', 'msPerStep', med, s, 3 * g_tile * args.train_batch, batch=args.train_batch, size=128,
            imagesPerSecond=round(args.train_batch / (med / 1000), 3))
    return rows


def load_weights(model, manifest_path):
    """Loads weights from a JSON manifest [{name: '<layer>.W'|'<layer>.B', shape, offset}] + raw float32 file."""
    import array
    with open(manifest_path) as fh:
        manifest = json.load(fh)
    raw = array.array('f')
    with open(os.path.join(os.path.dirname(manifest_path), manifest['file']), 'rb') as fh:
        raw.frombytes(fh.read())
    data = torch.tensor(raw)
    params = dict(model.named_parameters())
    seen = set()
    for t in manifest['tensors']:
        layer, kind = t['name'].rsplit('.', 1)
        key = 'mods.%s.%s' % (layer, {'W': 'weight', 'B': 'bias'}[kind])
        n = 1
        for d in t['shape']:
            n *= d
        value = data[t['offset']:t['offset'] + n].reshape(t['shape'])
        if tuple(params[key].shape) != tuple(value.shape):
            raise SystemExit('shape mismatch for %s: torch %s, file %s' % (key, tuple(params[key].shape), t['shape']))
        with torch.no_grad():
            params[key].copy_(value)
        seen.add(key)
    missing = set(params) - seen
    if missing:
        raise SystemExit('weights missing for %s' % sorted(missing))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument('--count', action='store_true')
    mode.add_argument('--layers', action='store_true')
    mode.add_argument('--forward', action='store_true')
    mode.add_argument('--bench', action='store_true')
    mode.add_argument('--probe', action='store_true')
    ap.add_argument('--base', type=int, default=32)
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--upsampling', choices=['upsample', 'transpose'], default='upsample')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--bases', default='32,16', help='bench: comma-separated base widths')
    ap.add_argument('--batch', type=int, default=8, help='bench: slices per full-image batch')
    ap.add_argument('--train-batch', type=int, default=8)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--study-slices', type=int, default=155)
    ap.add_argument('--study-repeats', type=int, default=1)
    ap.add_argument('--parts', default='slice,study,train',
                    help='bench: comma list of slice (full, tile batch, tiled), study (155 slices), train')
    ap.add_argument('--device', default='cpu', help='bench: cpu or cuda')
    ap.add_argument('--quick', action='store_true', help='bench: 1 warm-up, 3 repeats, 16-slice study')
    ap.add_argument('--weights', help='forward: JSON manifest of weights in PyTorch/ONNX layout')
    ap.add_argument('--input', help='forward: raw float32 [N,H,W] file')
    ap.add_argument('--shape', help='forward: N,H,W')
    ap.add_argument('--output', help='forward: raw float32 [N,H,W] probabilities to write')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    if args.count or args.layers:
        model = UNet(args.base, args.depth, args.upsampling)
        out = dict(parameters=parameter_count(model), base=args.base, depth=args.depth, upsampling=args.upsampling,
                   torch=torch.__version__)
        if args.layers:
            out['layers'] = [dict(l, weights=[list(p.shape) for p in model.mods[l['name']].parameters()]
                                  if l['name'] in model.mods else []) for l in model.spec]
        print(json.dumps(out))
        return
    if args.forward:
        model = UNet(args.base, args.depth, args.upsampling).eval()
        load_weights(model, args.weights)
        n, h, w = (int(v) for v in args.shape.split(','))
        import array
        raw = array.array('f')
        with open(args.input, 'rb') as fh:
            raw.frombytes(fh.read())
        with torch.inference_mode():
            y = model(torch.tensor(raw).reshape(n, 1, h, w))
        with open(args.output, 'wb') as fh:
            fh.write(array.array('f', y.reshape(-1).tolist()).tobytes())
        print(json.dumps(dict(ok=True, shape=[n, h, w], torch=torch.__version__)))
        return

    if args.probe:
        print(json.dumps(dict(torch=torch.__version__, threads=torch.get_num_threads(), blas=blas_info(),
                              cuda=cuda_status(), python=sys.version.split()[0])))
        return

    if args.quick:
        args.warmup, args.repeats, args.study_slices = 1, 3, 16
    unknown = set(args.parts.split(',')) - {'slice', 'study', 'train'}
    if unknown:
        raise SystemExit('--parts: unknown %s (use slice, study, train)' % sorted(unknown))
    if args.device == 'cuda' and not cuda_status()['available']:
        raise SystemExit('--device cuda: %s' % cuda_status()['reason'])
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    started = time.perf_counter()
    rows = []
    for base in (int(b) for b in args.bases.split(',')):
        rows.extend(bench_base(base, args))
    print(json.dumps(dict(
        engine='pytorch', device=args.device, torch=torch.__version__, threads=torch.get_num_threads(),
        blas=blas_info(),
        parameters={b: parameter_count(UNet(int(b))) for b in args.bases.split(',')},
        warmup=args.warmup, repeats=args.repeats, rows=rows,
        peakRssMb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        elapsedS=round(time.perf_counter() - started, 1))))


if __name__ == '__main__':
    main()
