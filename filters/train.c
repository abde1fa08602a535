/* train: learns orientation from stereo pairs (method 1, self-supervised) and writes a model. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/err.h"
#include "learn/trainer.h"

static const char usage[] =
	"usage: train -o MODEL [OPTION]... [FILE]...\n"
	"Train a network that tells the orientation of a particle from stereo pairs whose\n"
	"only label is their known offset (the `offset' key); ground-truth angles are\n"
	"never read (except by --method oracle, the supervised upper bound).\n"
	"\n"
	"  -o, --output MODEL   model file to write (required)\n"
	"  -M, --method NAME    siamese (default; method 1), generate (method 2: an\n"
	"                       encoder's angle, turned by the offset, drives a decoder\n"
	"                       that renders the partner view) or oracle (reads theta\n"
	"                       and k: upper bound for experiments only)\n"
	"  -e, --epochs N       epochs (default 20)\n"
	"  -b, --batch N        pairs per batch (default 32)\n"
	"  -l, --lr X           learning rate, cosine-decayed to --lr-min (default 1e-3)\n"
	"      --lr-min X       final learning rate (default 1e-5)\n"
	"      --warmup N       linear warm-up steps (default 0)\n"
	"      --clip X         gradient norm clipping, 0 = off (default 5)\n"
	"      --weight-decay X Adam L2 weight decay (default 0)\n"
	"  -s, --seed N         seed of initialisation, shuffling and dropout (default 1)\n"
	"  -t, --threads N      threads (default: all)\n"
	"  -v, --val FRACTION   fraction of records held out for validation (default 0.1)\n"
	"  -n, --net SPEC       network specification or @FILE (default: stemrot-net(7))\n"
	"  -K, --heads K        candidate symmetry orders 1..K (default 12)\n"
	"  -k, --order K        the symmetry order, when known (default: detect)\n"
	"      --kmin K         smallest order to detect (default 3: polygons; heads\n"
	"                       below it are not trained)\n"
	"      --cons-weight X  weight of the per-image consistency prediction (default 0.02)\n"
	"      --head-pow P     weight head k's loss by k^-P (default 0: all equal)\n"
	"      --no-augment     do not transform training pairs (default: each pair is\n"
	"                       rotated by a random multiple of 90 degrees and maybe\n"
	"                       mirrored, both views alike, the offset following)\n"
	"      --decoder SPEC   generate: decoder network or @FILE (default: dense,\n"
	"                       then upsampling and convolutions to the view size)\n"
	"      --latents N      generate: latent numbers besides the angle (default 2)\n"
	"      --loss NAME      generate: mse (default) or poisson\n"
	"      --renderer NAME  generate: free (default: the decoder draws the view) or\n"
	"                       template (the decoder draws a template that is turned\n"
	"                       by the decoded angle; images only)\n"
	"      --mirror-weight X  weight of the mirror loss: a view's mirror image must\n"
	"                       give the negated angle, which fixes the zero for every\n"
	"                       image alike (default 1; 0 = off)\n"
	"      --zoom-weight X  weight of the zoom loss: an A view zoomed by 0.8..1.25 must\n"
	"                       keep its angle, tying the zero across sizes (default 1)\n"
	"      --log FILE       TSV log of train and validation loss per epoch\n"
	"      --checkpoint F   checkpoint file (default MODEL.ckpt), written each epoch\n"
	"  -r, --resume         continue from the checkpoint when it exists\n"
	"      --stream         re-read the input files each epoch instead of holding them\n"
	"      --memory MB      stream automatically above this input size (default 2048)\n"
	"      --chunk N        records per shuffled chunk when streaming (default 4096)\n"
	"      --max-records N  use only the first N records\n"
	"      --stop-after N   stop after epoch N, keeping the checkpoint, as if\n"
	"                       interrupted (to test --resume)\n"
	"  -q, --quiet          no progress output\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"With no FILE, or FILE -, read standard input.\n";

int main(int argc, char **argv)
{
	sr_set_progname(argv[0]);
	sr_train_conf c;
	sr_train_defaults(&c);
	c.progress = isatty(2) ? 1 : 0;
	static const struct option lo[] = {
		{"output", required_argument, NULL, 'o'}, {"method", required_argument, NULL, 'M'},
		{"epochs", required_argument, NULL, 'e'}, {"batch", required_argument, NULL, 'b'},
		{"lr", required_argument, NULL, 'l'}, {"lr-min", required_argument, NULL, 1},
		{"warmup", required_argument, NULL, 2}, {"clip", required_argument, NULL, 3},
		{"weight-decay", required_argument, NULL, 4}, {"seed", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 't'}, {"val", required_argument, NULL, 'v'},
		{"net", required_argument, NULL, 'n'}, {"heads", required_argument, NULL, 'K'},
		{"order", required_argument, NULL, 'k'}, {"cons-weight", required_argument, NULL, 5},
		{"head-pow", required_argument, NULL, 13},
		{"decoder", required_argument, NULL, 20}, {"latents", required_argument, NULL, 21},
		{"loss", required_argument, NULL, 22}, {"renderer", required_argument, NULL, 23},
		{"no-augment", no_argument, NULL, 14}, {"kmin", required_argument, NULL, 16},
		{"zoom-weight", required_argument, NULL, 17}, {"mirror-weight", required_argument, NULL, 15},
		{"log", required_argument, NULL, 6}, {"checkpoint", required_argument, NULL, 7},
		{"resume", no_argument, NULL, 'r'}, {"stream", no_argument, NULL, 8},
		{"memory", required_argument, NULL, 9}, {"chunk", required_argument, NULL, 10},
		{"max-records", required_argument, NULL, 11}, {"stop-after", required_argument, NULL, 12}, {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	int o;
	long v;
	opterr = 0; /* one message of our own, not getopt's two */
	while ((o = getopt_long(argc, argv, "o:M:e:b:l:s:t:v:n:K:k:rqhV", lo, NULL)) != -1) {
		int bad = 0;
		switch (o) {
		case 'o': c.model = optarg; break;
		case 'M':
			if (!sr_method_find(optarg))
				sr_die("--method: unknown method '%s' (siamese, generate, oracle)", optarg);
			c.method = optarg;
			break;
		case 'e': bad = sr_parse_long("--epochs", optarg, 1, 100000, &v); c.epochs = (int)v; break;
		case 'b': bad = sr_parse_long("--batch", optarg, 1, 4096, &v); c.batch = (int)v; break;
		case 'l': bad = sr_parse_double("--lr", optarg, 1e-8, 10, &c.lr); break;
		case 1: bad = sr_parse_double("--lr-min", optarg, 0, 10, &c.lr_min); break;
		case 2: bad = sr_parse_long("--warmup", optarg, 0, 100000000, &c.warmup); break;
		case 3: bad = sr_parse_double("--clip", optarg, 0, 1e6, &c.clip); break;
		case 4: bad = sr_parse_double("--weight-decay", optarg, 0, 1, &c.weight_decay); break;
		case 's': bad = sr_parse_seed("--seed", optarg, &c.seed); break;
		case 't': bad = sr_parse_long("--threads", optarg, 1, 1024, &v); c.threads = (int)v; break;
		case 'v': bad = sr_parse_double("--val", optarg, 0, 0.9, &c.val); break;
		case 'n': c.net = optarg; break;
		case 'K': bad = sr_parse_long("--heads", optarg, 1, 32, &v); c.heads = (int)v; break;
		case 'k': bad = sr_parse_order("--order", optarg, 0, &c.order); break;
		case 14: c.augment = 0; break;
		case 17: bad = sr_parse_double("--zoom-weight", optarg, 0, 100, &c.zoom_weight); break;
		case 16: bad = sr_parse_order("--kmin", optarg, 0, &c.kmin); break;
		case 15: bad = sr_parse_double("--mirror-weight", optarg, 0, 100, &c.mirror_weight); break;
		case 13: bad = sr_parse_double("--head-pow", optarg, 0, 4, &c.head_pow); break;
		case 5: bad = sr_parse_double("--cons-weight", optarg, 0, 100, &c.cons_weight); break;
		case 6: c.log = optarg; break;
		case 7: c.checkpoint = optarg; break;
		case 'r': c.resume = 1; break;
		case 8: c.stream = 1; break;
		case 9: bad = sr_parse_long("--memory", optarg, 1, 1L << 30, &c.mem_limit_mb); break;
		case 10: bad = sr_parse_long("--chunk", optarg, 1, 1L << 24, &c.chunk); break;
		case 11: bad = sr_parse_long("--max-records", optarg, 1, 1L << 40, &c.max_records); break;
		case 12: bad = sr_parse_long("--stop-after", optarg, 1, 100000, &v); c.stop_after = (int)v; break;
		case 20: c.decoder = optarg; break;
		case 21: bad = sr_parse_long("--latents", optarg, 0, 16, &v); c.latents = (int)v; break;
		case 22: c.loss = optarg; break;
		case 23:
			if (strcmp(optarg, "free") && strcmp(optarg, "template"))
				sr_die("--renderer: unknown renderer '%s' (free, template)", optarg);
			c.renderer = optarg;
			break;
		case 'q': c.progress = -1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': sr_print_version(); return 0;
		default: sr_bad_option(argv);
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	if (!c.model)
		sr_die("an output model is required: -o MODEL");
	if (c.order > c.heads)
		sr_die("--order %d is larger than --heads %d", c.order, c.heads);
	if (sr_train(&c, argc - optind, argv + optind) < 0)
		sr_die("%s", sr_errmsg());
	return 0;
}
