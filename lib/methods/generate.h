/* generate.h: method 2 (train --method generate), the pieces its tools and tests share.
 *
 * An ENCODER (the same family of networks as method 1) reads one view and outputs, per image,
 * 3K + L numbers: the raw heads u_k ~ (cos k theta, sin k theta) for k = 1..K (the layout of
 * angles.h), K consistency predictions q_k (as in method 1, so predict(1) and calibrate(1)
 * use the encoder unchanged), then L latent numbers for what the angle does not explain
 * (size, shape detail).  A DECODER (image-generation network: dense -> reshape -> upsampling
 * and convolutions) receives the CODE of the partner view and renders it.
 *
 * THE CODE.  The decoder reads ONE head k at a time and a rotation angle delta (degrees):
 *     y[0 .. 1]        = R(k delta) z_k,   z_k = u_k / sqrt(|u_k|^2 + eps^2)
 *     y[2 .. 2+H-1]    = one-hot of k (H = K when the order is detected, 0 when it is given)
 *     y[2 + H + l]     = latent l          (l = 0 .. L-1)
 * so the code of view B is made from view A's encoding with delta = the pair offset, and the
 * code of view A from view B's with -offset.  The decoder never sees delta itself: the only
 * way it can render the partner is from a head that turns by k delta when the particle turns
 * by delta, which is what makes the encoder's heads angles.  With the order given, k is that
 * order; with the order detected, each decoder input reads one head drawn at random (the
 * one-hot says which).  One head at a time matters: a decoder given all heads at once learnt
 * to multiply two of them (heads 1 and 3 of a square: (1 + 3) delta = 4 delta), reproducing
 * view B well (mse 0.0064) while no single head was an angle (head 4's pair loss 1.78;
 * 900 square pairs, 12 epochs).
 *
 * THE LOSS.  "mse": mean squared error between the decoder's image and the normalised partner
 * view (image/imgproc.h, sr_normalise_view).  "poisson": the decoder's output o is read as a mean
 * mu = softplus(o) and the loss is the mean Poisson deviance 2 (x log(x / mu) - x + mu) with
 * x = max(target, 0): a counting-noise likelihood that weighs bright (noisier) pixels less.
 *
 * THE RENDERER (--renderer, info key decoder.renderer).  "free" (default): the decoder network
 * reads the whole code and draws the view.  Its floor: renderings off by 0.31 degrees rms in
 * angle (README, method 2).  "template": the decoder network does NOT see the angle; it reads
 *     x = [1, one-hot of k (nhot floats), latents]       (the code without y[0..1], plus a 1)
 * and outputs a template T (1 x h x w), which is rotated (rotate.h) by the code's angle:
 *     view = (1/k) sum_{j=0..k-1} rot(T, phi + 2 pi j / k),  phi = atan2(y[1], y[0]) / k,
 * the sum of the k rotated copies making the rendering exactly k-fold symmetric, so that it is
 * continuous where phi wraps at +-180/k degrees.  The angle is then exact by construction, and
 * the gradient reaches the code through the rotation's angle derivative.  Both renderings of a
 * pair read the MEAN of the two views' latents (otherwise A's latents could carry A's angle
 * and the head need not be one; generate.c).  Images only: the projection of a rotated
 * particle is not a rotated profile.  Measured (squares told k = 4, 1000 pairs of
 * exp2d's training distribution, 48 px, 12 epochs, batch 32, lr 3e-3; 300 dose-40 test
 * images, --tta 8, calibrated; two seeds): renderings turn with the angle to 0.02-0.04 degrees
 * rms (free: 0.43); exp2d's MLP encoder 0.38 / 0.47 degrees median, 98.3 / 97.0% within 2
 * (free 0.54 / 0.56, 98.3 / 97.3%); the default conv encoder 0.49 / 0.88, 99 / 80% (free
 * 0.71 / 0.99, 97.3 / 64.7%).  Order not told: detected for squares with -K 6, not with -K 12
 * in that budget, and heads learn slower (one of the K - kmin + 1 heads per input).
 *
 * MODEL FILE.  The networks "encoder" and "decoder"; info keys predict.net=encoder, heads,
 * heads.consistency=yes, order, heads.kmin (order detected: the smallest trained head, as
 * method 1), and decoder.renderer (free | template; absent in
 * older models: free), decoder.heads (comma list), decoder.latents,
 * decoder.loss, decoder.output (linear | softplus), decoder.latent.mean.L (validation means,
 * the defaults of decode(1)), val.recon_mse (per pixel, normalised units). */
#ifndef SR_GENERATE_H
#define SR_GENERATE_H

#include <stddef.h>

#define SR_GEN_MAX_LATENTS 16

/* The consistency outputs' loss is weighted by --cons-weight (default 0.02).  At 0.5 the
 * early, unpredictable consistency targets slowed the angle's learning (900 square pairs,
 * 12 epochs, dose-40 test pairs, offset-fitted, within 2 degrees: 96.7% at weight 0, 92.3%
 * at 0.025, 89.7% at 0.5). */

/* The decoder input (2 + nhot + L floats) from one image's encoder output u (3K + L floats),
 * reading head k; nhot = K (order detected: one-hot of k) or 0 (order given). */
void sr_gen_code(const float *u, int K, int k, int nhot, int L, double delta, float *y);

/* The backward of sr_gen_code: given gy = d loss / d y, ADDS d loss / d u into gu (head k and
 * the latents; the consistency outputs get nothing). */
void sr_gen_code_backward(const float *u, int K, int k, int nhot, int L, double delta,
                          const float *gy, float *gu);

/* The code of a chosen raw angle (degrees, uncalibrated: the encoder's own zero) of head k,
 * for rendering: (cos k a, sin k a), the one-hot (nhot = K) or nothing (0), then the latents
 * (lat may be NULL: zeros). */
void sr_gen_angle_code(double angle, int k, int nhot, int L, const float *lat, float *y);

/* The template renderer.  The decoder network's input (1 + nhot + L floats) from a code y
 * (2 + nhot + L floats): a constant 1, then y without its first two entries. */
void sr_gen_template_input(const float *y, int nhot, int L, float *x);

/* The view (h x w, overwritten) the template T (h x w) renders for the code y of head k:
 * (1/k) sum_j rot(T, phi + 2 pi j / k), phi = atan2(y[1], y[0]) / k. */
void sr_gen_template_render(const float *T, int w, int h, int k, const float *y, float *out);

/* The backward of sr_gen_template_render for g = d loss / d out: ADDS d loss / d T into gT and
 * SETS gy01[0..1] = d loss / d y[0..1]. */
void sr_gen_template_backward(const float *T, int w, int h, int k, const float *y, const float *g,
                              float *gT, float *gy01);

/* The default decoder spec for views of h x w (h = 1: profiles), for the free renderer and
 * the template renderer's template alike: dense layers to a coarse grid, then bilinear
 * upsampling by 2 and 'same' convolutions up to the full size, ending in one channel.  Sizes not divisible by 2 get a dense decoder.  -1 if buf is too small. */
int sr_gen_decoder_spec(int h, int w, char *buf, size_t n);

/* Parses a comma list of heads ("4" or "1,2,3") as stored in decoder.heads; returns the
 * count, or -1 (error set) on a malformed list or a head outside 1..K. */
int sr_gen_parse_heads(const char *s, int K, int *heads);

/* The image the decoder's raw output stands for: out itself (mse) or softplus(out) (poisson),
 * in place. */
void sr_gen_output_image(float *out, size_t n, int loss);

#endif
