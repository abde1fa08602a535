/* predictor.h: a trained orientation model turned into angles (predict(1), calibrate(1)),
 * whatever method trained it.
 *
 * The model's network (the info key predict.net, default "siamese") maps one normalised view
 * (image/imgproc.h, sr_normalise_view) to 2K head outputs (core/angles.h), then, when the
 * info says heads.consistency=yes, K consistency predictions q_k.  The order is the model's
 * (info key order), the one asked for, or, when it is 0, told per image from the q_k by the
 * rule of learn/order.h.  The angle is read from that head, averaged over the test-time
 * transforms and (for a pair) over view 0 and view 1 turned back by the offset, and
 * corrected by the model's calibration (calib.K).  Profiles are answered modulo their mirror
 * ambiguity (learn/mirror.h). */
#ifndef SR_PREDICTOR_H
#define SR_PREDICTOR_H

#include "core/meta.h"
#include "io/record.h"
#include "learn/confidence.h"

typedef struct {
	double angle;     /* calibrated when the model is calibrated for the order, degrees [0, 360/k) */
	double raw;       /* uncalibrated angle of the head used */
	int k;            /* order used */
	double conf;      /* confidence 0..1: with the model's conf.map the measured probability
	                     of being within 2 degrees (learn/confidence.h), else the score */
	double score;     /* the raw score 0..1: with the model's conf.weights the logistic of
	                     the features, else consistency of the head times agreement */
	double feat[SR_CONF_NFEAT]; /* images: the answer's features (learn/confidence.h) */
	int has_features;
	int calibrated;
	double cons[64];  /* per head predicted consistency (index k-1), when the model has it */
	/* profiles (mirror.h): the mirror candidate, its probability (0.5 for a single
	 * profile, small for a resolved pair), the ambiguity left (enum sr_ambiguity) and the
	 * projection angle phi; for images angle2 = NAN, conf2 = 0, ambiguity 0, phi 0 */
	double angle2, conf2, phi;
	int ambiguity;
} sr_prediction;

typedef struct sr_predictor sr_predictor;

/* Opens a model for prediction: the network named by the info key predict.net (default
 * "siamese").  order > 0 overrides the model's order.  NULL with a message on a bad file. */
sr_predictor *sr_predictor_open(const char *model_path, int order);
void sr_predictor_free(sr_predictor *p);
const sr_meta *sr_predictor_info(const sr_predictor *p);
/* Predicts the orientation of view 0 of rec; with use_pair and a record of 2 views and an
 * offset, averages view 0 and view 1 - offset.  -1 on a shape mismatch. */
int sr_predict_record(sr_predictor *p, const sr_record *rec, int use_pair, sr_prediction *out);
/* The same for n records at once, out[i] for recs[i], each the same bytes as
 * sr_predict_record would give: their views and transforms go through the network in
 * batches (the engine reads a dense layer's weights once a batch, and spreads a batch over
 * its threads).  orders[i] > 0 is record i's order (as sr_predictor_set_order: 0 or out of
 * range, the model's); orders NULL: the predictor's.  -1 on a record of the wrong shape. */
int sr_predict_records(sr_predictor *p, const sr_record *const *recs, const int *orders, int n,
                       int use_pair, sr_prediction *out);
/* The shape check of sr_predict_record alone (a caller gathering records checks each as it
 * comes, so that the error names that record): 0, or -1 with the message. */
int sr_predictor_check(const sr_predictor *p, const sr_record *rec);
/* How many records to gather for sr_predict_records: as many as one batch of the network
 * holds with the averaging in effect (at least 1). */
int sr_predictor_batch(const sr_predictor *p);
int sr_predictor_heads(const sr_predictor *p);
/* Test-time augmentation: n = 4 (the four 90-degree rotations) or 8 (and their mirror
 * images) evaluations per view, averaged; square images only; 1 = off (default). */
void sr_predictor_set_tta(sr_predictor *p, int n);
/* The averaging in effect: what set_tta asked for, or 1 where it does not apply. */
int sr_predictor_tta(const sr_predictor *p);
/* Overrides the order for the following predictions (0: the model's own rule). */
void sr_predictor_set_order(sr_predictor *p, int order);

#endif
