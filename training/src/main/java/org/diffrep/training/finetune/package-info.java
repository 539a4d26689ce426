/**
 * Semi-supervised fine-tuning of the U-Net with a head (the paper's Table 5: IN-1% / IN-10% labels,
 * evaluation on the full ImageNet val set).
 *
 * <h2>Recipe (GPU machine)</h2>
 * <pre>
 * mvn -Pcuda install -DskipTests
 * bin/diffrep finetune --dataset imagenet-1pct --root /data/imagenet --checkpoint 256x256_diffusion_uncond.pt \
 *     --head linear --t 150 --blocks 24 --pool avg:2 --lr 1e-3 --backbone-lr 1e-4 \
 *     --batch 4 --accumulate 32 --epochs 28 --out runs/ft-linear-in1
 * # IN-10%: --dataset imagenet-10pct; DifFormer: --head difformer --t 90,150,300 --blocks 19,24,30 --batch 1 --accumulate 128
 * # after an interruption: the same command with --resume
 * </pre>
 * The paper does not give the fine-tuning learning rates or epochs; the official code's comment
 * suggests 1e-3 and its scripts use 28 epochs with StepLR(7, 0.1), batch 4×32, and the same lr for
 * head and U-Net (here --backbone-lr, default 10× smaller: not from the paper). DifFeed is not
 * supported (its first pass runs without gradient in the official code).
 *
 * <h2>Memory (ADM-256, fp32, no gradient checkpointing)</h2>
 * SameDiff 1.0.0-M2.1 has no gradient checkpointing, so every forward activation up to the head's
 * deepest block is kept for the backward pass. With the head on block 24, 415.5 M U-Net parameters
 * train (1.66 GB of weights, as much again for their gradients, again for the accumulation buffer
 * with --accumulate &gt; 1, for a momentum buffer with --momentum, twice for Adam). Activation
 * memory per image was measured on CPU, not on a GPU, with ADM-256's block tree scaled down (width
 * 32 and 64 instead of 256, 128 px, same head counts and relative attention sides; one
 * fine-tuning step per JVM at batch 1 and 3, peak RSS): 324 MB and 598 MB per extra image, i.e.
 * about linear in width, and ×3.9 from 64 to 128 px. Scaled to width 256 at 256 px (×4 ×4) that is
 * about 10 GB per image for one t and block 24 (DifFormer's three t and blocks up to 30 need more than three times that). So one 80 GB GPU holds about 6–7
 * images: use --batch 4 (headroom for CUDA workspaces, which were not measured) and --accumulate 32
 * for the official effective batch of 128; DifFormer --batch 1. A direct measurement of the full
 * model did not fit the 23 GB development machine.
 */
package org.diffrep.training.finetune;
