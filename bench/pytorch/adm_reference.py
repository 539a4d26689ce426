"""PyTorch reference timings for diffrep's performance targets (README, Performance).

Optional: diffrep itself needs no Python. Run it beside the matching diffrep command, on the same
machine and in the same session, to get the ratios the README reports:

  python3 bench/pytorch/adm_reference.py --guided-diffusion PATH pretrain   # vs bin/diffrep pretrain
  python3 bench/pytorch/adm_reference.py --guided-diffusion PATH extract    # vs bin/diffrep bench forward --batch 100
  python3 bench/pytorch/adm_reference.py --guided-diffusion PATH forward    # vs bin/diffrep bench forward --config adm-256-uncond

PATH is a checkout of openai/guided-diffusion (the folder holding guided_diffusion/). Weights are
random (speed does not depend on them). Prints one JSON object: images/s, seconds, threads and the
peak resident set of this process (ru_maxrss).
"""
import argparse
import json
import resource
import sys
import time


def adm_fmnist(unet):
    # the shipped model's config (diffrep's AdmConfigs "adm-fmnist")
    return unet.UNetModel(image_size=32, in_channels=1, model_channels=32, out_channels=1, num_res_blocks=2,
                          attention_resolutions=(2, 4), dropout=0.0, channel_mult=(1, 2, 2), num_heads=4,
                          num_head_channels=32, use_scale_shift_norm=True, resblock_updown=True)


def adm_256_uncond(unet):
    # guided-diffusion's 256x256_diffusion_uncond.pt flags
    return unet.UNetModel(image_size=256, in_channels=3, model_channels=256, out_channels=6, num_res_blocks=2,
                          attention_resolutions=(8, 16, 32), dropout=0.0, channel_mult=(1, 1, 2, 2, 4, 4),
                          num_heads=4, num_head_channels=64, use_scale_shift_norm=True, resblock_updown=True)


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--guided-diffusion", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--batch", type=int)
    p.add_argument("mode", choices=["pretrain", "extract", "forward"])
    a = p.parse_args()
    sys.path.insert(0, a.guided_diffusion)
    import torch
    from guided_diffusion import unet
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)

    if a.mode == "pretrain":
        batch = a.batch or 64
        model = adm_fmnist(unet).train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(batch, 1, 32, 32)
        eps = torch.randn_like(x)
        t = torch.randint(0, 1000, (batch,))

        def step():
            opt.zero_grad(set_to_none=True)
            loss = ((model(x, t) - eps) ** 2).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
    else:
        batch = a.batch or (100 if a.mode == "extract" else 1)
        model = (adm_fmnist(unet) if a.mode == "extract" else adm_256_uncond(unet)).eval()
        side, channels = (32, 1) if a.mode == "extract" else (256, 3)
        x = torch.randn(batch, channels, side, side)
        t = torch.full((batch,), 10 if a.mode == "extract" else 150)

        def step():
            with torch.no_grad():
                model(x, t)

    seconds = timed(step, a.warmup, a.runs)
    print(json.dumps({"mode": a.mode, "batch": batch, "threads": a.threads, "torch": torch.__version__,
                      "seconds_per_pass": round(seconds, 4), "images_per_second": round(batch / seconds, 2),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
