;; Loops that run on the memory of TF.js's wasm backend (imported, so no copies), four lanes at a
;; time: the SGD, Adam, AdamW, RMSprop and Adagrad updates of src/registry/optimizers/ as one pass
;; each over a parameter, and the ReLU passes of the wasm-blas dense kernels. Every update operation
;; is the same float32 operation, in the same order, as the tensor-op path: the same bits
;; (test/registry/optimizers/fused.test.ts checks that on every flag combination).
;; The last vector is aligned to the end and recomputed where it overlaps, which is harmless
;; because outputs never alias inputs (or, for relu, the operation is idempotent). Callers
;; guarantee n >= 4. Assembled by `npm run wasm` into simd-wasm.ts; a test fails on drift.
(module
  (import "env" "memory" (memory 1))

  ;; d = maximize ? -g : g;  if useWd: d = d + p * wd
  ;; if useMomentum: buf = first ? d : buf * momentum + (useDamp ? d * (1 - dampening) : d)
  ;;                 d = nesterov ? d + buf * momentum : buf
  ;; p = p + d * (-lr)
  (func (export "sgd")
    (param $p i32) (param $g i32) (param $buf i32) (param $outP i32) (param $outBuf i32) (param $n i32)
    (param $first i32) (param $maximize i32) (param $useWd i32) (param $wd f32)
    (param $useMomentum i32) (param $momentum f32) (param $useDamp i32) (param $oneMinusDamp f32)
    (param $nesterov i32) (param $negLr f32)
    (local $i i32) (local $last i32) (local $at i32)
    (local $d v128) (local $b v128) (local $pv v128)
    (local $vWd v128) (local $vMomentum v128) (local $vOneMinusDamp v128) (local $vNegLr v128)
    (local.set $vWd (f32x4.splat (local.get $wd)))
    (local.set $vMomentum (f32x4.splat (local.get $momentum)))
    (local.set $vOneMinusDamp (f32x4.splat (local.get $oneMinusDamp)))
    (local.set $vNegLr (f32x4.splat (local.get $negLr)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        ;; byte offset of this vector: min(i, n - 4) * 4
        (local.set $at (select (local.get $i) (local.get $last) (i32.lt_u (local.get $i) (local.get $last))))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $at))))
        (local.set $d (v128.load (i32.add (local.get $g) (local.get $at))))
        (if (local.get $maximize) (then (local.set $d (f32x4.neg (local.get $d)))))
        (if (local.get $useWd)
          (then (local.set $d (f32x4.add (local.get $d) (f32x4.mul (local.get $pv) (local.get $vWd))))))
        (if (local.get $useMomentum)
          (then
            (if (local.get $first)
              (then (local.set $b (local.get $d)))
              (else
                (local.set $b
                  (f32x4.add
                    (f32x4.mul (v128.load (i32.add (local.get $buf) (local.get $at))) (local.get $vMomentum))
                    (if (result v128) (local.get $useDamp)
                      (then (f32x4.mul (local.get $d) (local.get $vOneMinusDamp)))
                      (else (local.get $d)))))))
            (v128.store (i32.add (local.get $outBuf) (local.get $at)) (local.get $b))
            (local.set $d
              (if (result v128) (local.get $nesterov)
                (then (f32x4.add (local.get $d) (f32x4.mul (local.get $b) (local.get $vMomentum))))
                (else (local.get $b))))))
        (v128.store (i32.add (local.get $outP) (local.get $at))
          (f32x4.add (local.get $pv) (f32x4.mul (local.get $d) (local.get $vNegLr))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; g = maximize ? -g : g;  if useWd: g = g + p * wd
  ;; m = first ? g * (1 - beta1) : m * beta1 + g * (1 - beta1)
  ;; v = first ? (g * (1 - beta2)) * g : v * beta2 + (g * (1 - beta2)) * g
  ;; p = (useDecay ? p * decay : p) + (m * -stepSize) / (sqrt(v) / sqrt(biasCorrection2) + eps)
  ;; (Adam: L2 weight decay through useWd; AdamW: decoupled decay = 1 - lr * weight_decay through useDecay)
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $outP i32) (param $outM i32) (param $outV i32) (param $n i32)
    (param $first i32) (param $maximize i32) (param $useWd i32) (param $wd f32)
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $negStepSize f32) (param $bc2Sqrt f32) (param $eps f32) (param $useDecay i32) (param $decay f32)
    (local $i i32) (local $last i32) (local $at i32)
    (local $gv v128) (local $pv v128) (local $mv v128) (local $vv v128) (local $base v128) (local $vDecay v128)
    (local $vWd v128) (local $vBeta1 v128) (local $vOneMinusBeta1 v128) (local $vBeta2 v128)
    (local $vOneMinusBeta2 v128) (local $vNegStepSize v128) (local $vBc2Sqrt v128) (local $vEps v128)
    (local.set $vWd (f32x4.splat (local.get $wd)))
    (local.set $vBeta1 (f32x4.splat (local.get $beta1)))
    (local.set $vOneMinusBeta1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $vBeta2 (f32x4.splat (local.get $beta2)))
    (local.set $vOneMinusBeta2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $vNegStepSize (f32x4.splat (local.get $negStepSize)))
    (local.set $vBc2Sqrt (f32x4.splat (local.get $bc2Sqrt)))
    (local.set $vEps (f32x4.splat (local.get $eps)))
    (local.set $vDecay (f32x4.splat (local.get $decay)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (local.set $at (select (local.get $i) (local.get $last) (i32.lt_u (local.get $i) (local.get $last))))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $at))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $at))))
        (if (local.get $maximize) (then (local.set $gv (f32x4.neg (local.get $gv)))))
        (if (local.get $useWd)
          (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $pv) (local.get $vWd))))))
        (local.set $mv (f32x4.mul (local.get $gv) (local.get $vOneMinusBeta1)))
        (local.set $vv (f32x4.mul (f32x4.mul (local.get $gv) (local.get $vOneMinusBeta2)) (local.get $gv)))
        (if (i32.eqz (local.get $first))
          (then
            (local.set $mv
              (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $at))) (local.get $vBeta1)) (local.get $mv)))
            (local.set $vv
              (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $at))) (local.get $vBeta2)) (local.get $vv)))))
        (v128.store (i32.add (local.get $outM) (local.get $at)) (local.get $mv))
        (v128.store (i32.add (local.get $outV) (local.get $at)) (local.get $vv))
        (local.set $base
          (if (result v128) (local.get $useDecay)
            (then (f32x4.mul (local.get $pv) (local.get $vDecay)))
            (else (local.get $pv))))
        (v128.store (i32.add (local.get $outP) (local.get $at))
          (f32x4.add
            (local.get $base)
            (f32x4.div
              (f32x4.mul (local.get $mv) (local.get $vNegStepSize))
              (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $vBc2Sqrt)) (local.get $vEps)))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

;; g = maximize ? -g : g;  if useWd: g = g + p * wd
  ;; sq = first ? (g * (1 - alpha)) * g : sq * alpha + (g * (1 - alpha)) * g
  ;; centered: gavg = first ? g * (1 - alpha) : gavg * alpha + g * (1 - alpha);  avg = sqrt(sq - gavg * gavg) + eps
  ;; otherwise: avg = sqrt(sq) + eps
  ;; momentum: buf = first ? g / avg : buf * momentum + g / avg;  p = p + buf * -lr
  ;; otherwise: p = p + (g * -lr) / avg
  (func (export "rmsprop")
    (param $p i32) (param $g i32) (param $sq i32) (param $gavg i32) (param $buf i32)
    (param $outP i32) (param $outSq i32) (param $outGavg i32) (param $outBuf i32) (param $n i32)
    (param $first i32) (param $maximize i32) (param $useWd i32) (param $wd f32)
    (param $alpha f32) (param $oneMinusAlpha f32) (param $eps f32) (param $centered i32)
    (param $useMomentum i32) (param $momentum f32) (param $negLr f32)
    (local $i i32) (local $last i32) (local $at i32)
    (local $gv v128) (local $pv v128) (local $sqv v128) (local $gav v128) (local $avg v128) (local $b v128)
    (local $vWd v128) (local $vAlpha v128) (local $vOneMinusAlpha v128) (local $vEps v128) (local $vMomentum v128) (local $vNegLr v128)
    (local.set $vWd (f32x4.splat (local.get $wd)))
    (local.set $vAlpha (f32x4.splat (local.get $alpha)))
    (local.set $vOneMinusAlpha (f32x4.splat (local.get $oneMinusAlpha)))
    (local.set $vEps (f32x4.splat (local.get $eps)))
    (local.set $vMomentum (f32x4.splat (local.get $momentum)))
    (local.set $vNegLr (f32x4.splat (local.get $negLr)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (local.set $at (select (local.get $i) (local.get $last) (i32.lt_u (local.get $i) (local.get $last))))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $at))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $at))))
        (if (local.get $maximize) (then (local.set $gv (f32x4.neg (local.get $gv)))))
        (if (local.get $useWd)
          (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $pv) (local.get $vWd))))))
        (local.set $sqv (f32x4.mul (f32x4.mul (local.get $gv) (local.get $vOneMinusAlpha)) (local.get $gv)))
        (if (i32.eqz (local.get $first))
          (then
            (local.set $sqv
              (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $sq) (local.get $at))) (local.get $vAlpha)) (local.get $sqv)))))
        (v128.store (i32.add (local.get $outSq) (local.get $at)) (local.get $sqv))
        (if (local.get $centered)
          (then
            (local.set $gav (f32x4.mul (local.get $gv) (local.get $vOneMinusAlpha)))
            (if (i32.eqz (local.get $first))
              (then
                (local.set $gav
                  (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $gavg) (local.get $at))) (local.get $vAlpha)) (local.get $gav)))))
            (v128.store (i32.add (local.get $outGavg) (local.get $at)) (local.get $gav))
            (local.set $avg (f32x4.sqrt (f32x4.sub (local.get $sqv) (f32x4.mul (local.get $gav) (local.get $gav))))))
          (else (local.set $avg (f32x4.sqrt (local.get $sqv)))))
        (local.set $avg (f32x4.add (local.get $avg) (local.get $vEps)))
        (if (local.get $useMomentum)
          (then
            (local.set $b (f32x4.div (local.get $gv) (local.get $avg)))
            (if (i32.eqz (local.get $first))
              (then
                (local.set $b
                  (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $buf) (local.get $at))) (local.get $vMomentum)) (local.get $b)))))
            (v128.store (i32.add (local.get $outBuf) (local.get $at)) (local.get $b))
            (v128.store (i32.add (local.get $outP) (local.get $at))
              (f32x4.add (local.get $pv) (f32x4.mul (local.get $b) (local.get $vNegLr)))))
          (else
            (v128.store (i32.add (local.get $outP) (local.get $at))
              (f32x4.add (local.get $pv) (f32x4.div (f32x4.mul (local.get $gv) (local.get $vNegLr)) (local.get $avg))))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; g = maximize ? -g : g;  if useWd: g = g + p * wd
  ;; sum = first ? (useInit ? init + g * g : g * g) : sum + g * g
  ;; p = p + (g * -clr) / (sqrt(sum) + eps)
  (func (export "adagrad")
    (param $p i32) (param $g i32) (param $sum i32) (param $outP i32) (param $outSum i32) (param $n i32)
    (param $first i32) (param $maximize i32) (param $useWd i32) (param $wd f32)
    (param $useInit i32) (param $init f32) (param $eps f32) (param $negClr f32)
    (local $i i32) (local $last i32) (local $at i32)
    (local $gv v128) (local $pv v128) (local $sv v128)
    (local $vWd v128) (local $vInit v128) (local $vEps v128) (local $vNegClr v128)
    (local.set $vWd (f32x4.splat (local.get $wd)))
    (local.set $vInit (f32x4.splat (local.get $init)))
    (local.set $vEps (f32x4.splat (local.get $eps)))
    (local.set $vNegClr (f32x4.splat (local.get $negClr)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (local.set $at (select (local.get $i) (local.get $last) (i32.lt_u (local.get $i) (local.get $last))))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $at))))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $at))))
        (if (local.get $maximize) (then (local.set $gv (f32x4.neg (local.get $gv)))))
        (if (local.get $useWd)
          (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $pv) (local.get $vWd))))))
        (local.set $sv (f32x4.mul (local.get $gv) (local.get $gv)))
        (if (i32.eqz (local.get $first))
          (then (local.set $sv (f32x4.add (v128.load (i32.add (local.get $sum) (local.get $at))) (local.get $sv))))
          (else (if (local.get $useInit) (then (local.set $sv (f32x4.add (local.get $vInit) (local.get $sv)))))))
        (v128.store (i32.add (local.get $outSum) (local.get $at)) (local.get $sv))
        (v128.store (i32.add (local.get $outP) (local.get $at))
          (f32x4.add (local.get $pv)
            (f32x4.div (f32x4.mul (local.get $gv) (local.get $vNegClr)) (f32x4.add (f32x4.sqrt (local.get $sv)) (local.get $vEps)))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; x = max(x, 0) in place
  (func (export "relu") (param $x i32) (param $n i32)
    (local $i i32) (local $last i32) (local $at i32)
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (local.set $at (i32.add (local.get $x) (select (local.get $i) (local.get $last) (i32.lt_u (local.get $i) (local.get $last)))))
        (v128.store (local.get $at) (f32x4.max (v128.load (local.get $at)) (v128.const f32x4 0 0 0 0)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; out = y > 0 ? dy : 0 (the gradient through a ReLU from its output y)
  (func (export "reluGrad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $last i32) (local $at i32)
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (local.set $at (select (local.get $i) (local.get $last) (i32.lt_u (local.get $i) (local.get $last))))
        (v128.store (i32.add (local.get $out) (local.get $at))
          (v128.and
            (v128.load (i32.add (local.get $dy) (local.get $at)))
            (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $at))) (v128.const f32x4 0 0 0 0))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
  ;; The patch matrix of a convolution (src/kernels/conv/im2col.ts has the same loops in JS and
  ;; says what they compute): x and cols are byte offsets of NHWC data and of the rows. A filter row
  ;; that lies wholly inside the input is one copy of kw × c values; taps in the padding are zeros.
  (func (export "im2col")
    (param $x i32) (param $cols i32) (param $b i32) (param $h i32) (param $w i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $dh i32) (param $dw i32) (param $top i32) (param $left i32)
    (local $pixel i32) (local $run i32) (local $d i32) (local $ib i32) (local $yo i32)
    (local $xo i32) (local $iw0 i32) (local $whole i32) (local $i i32) (local $j i32) (local $ih i32)
    (local $iw i32) (local $row i32)
    (local.set $pixel (i32.shl (local.get $c) (i32.const 2)))
    (local.set $run (i32.mul (local.get $kw) (local.get $pixel)))
    (local.set $d (local.get $cols))
    (local.set $ib (i32.const 0))
    (block $bDone (loop $bNext
      (br_if $bDone (i32.ge_u (local.get $ib) (local.get $b)))
      (local.set $yo (i32.const 0))
      (block $yDone (loop $yNext
        (br_if $yDone (i32.ge_u (local.get $yo) (local.get $oh)))
        (local.set $xo (i32.const 0))
        (block $xDone (loop $xNext
          (br_if $xDone (i32.ge_u (local.get $xo) (local.get $ow)))
          (local.set $iw0 (i32.sub (i32.mul (local.get $xo) (local.get $sw)) (local.get $left)))
          (local.set $whole (i32.and (i32.eq (local.get $dw) (i32.const 1))
            (i32.and (i32.ge_s (local.get $iw0) (i32.const 0)) (i32.le_s (i32.add (local.get $iw0) (local.get $kw)) (local.get $w)))))
          (local.set $i (i32.const 0))
          (block $iDone (loop $iNext
            (br_if $iDone (i32.ge_u (local.get $i) (local.get $kh)))
            (local.set $ih (i32.add (i32.sub (i32.mul (local.get $yo) (local.get $sh)) (local.get $top)) (i32.mul (local.get $i) (local.get $dh))))
            (if (i32.ge_u (local.get $ih) (local.get $h))
              (then (call $zero (local.get $d) (local.get $run)))
              (else
                (local.set $row (i32.add (local.get $x)
                  (i32.mul (i32.add (i32.mul (local.get $ib) (local.get $h)) (local.get $ih)) (i32.mul (local.get $w) (local.get $pixel)))))
                (if (local.get $whole)
                  (then (call $copy (local.get $d) (i32.add (local.get $row) (i32.mul (local.get $iw0) (local.get $pixel))) (local.get $run)))
                  (else
                    (local.set $j (i32.const 0))
                    (block $jDone (loop $jNext
                      (br_if $jDone (i32.ge_u (local.get $j) (local.get $kw)))
                      (local.set $iw (i32.add (local.get $iw0) (i32.mul (local.get $j) (local.get $dw))))
                      (if (i32.ge_u (local.get $iw) (local.get $w))
                        (then (call $zero (i32.add (local.get $d) (i32.mul (local.get $j) (local.get $pixel))) (local.get $pixel)))
                        (else (call $copy (i32.add (local.get $d) (i32.mul (local.get $j) (local.get $pixel)))
                          (i32.add (local.get $row) (i32.mul (local.get $iw) (local.get $pixel))) (local.get $pixel))))
                      (local.set $j (i32.add (local.get $j) (i32.const 1)))
                      (br $jNext)))))))
            (local.set $d (i32.add (local.get $d) (local.get $run)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iNext)))
          (local.set $xo (i32.add (local.get $xo) (i32.const 1)))
          (br $xNext)))
        (local.set $yo (i32.add (local.get $yo) (i32.const 1)))
        (br $yNext)))
      (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
      (br $bNext))))

  ;; dst[k] += src[k] for n floats at byte offsets dst and src (any n; four lanes at a time).
  (func $addInto (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vDone (loop $vNext
      (br_if $vDone (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $vNext)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $sDone (loop $sNext
      (br_if $sDone (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $sNext))))

  ;; The reverse of im2col: zeroes dx (NHWC) and adds each value of the patch matrix where im2col
  ;; took it from (the input gradient of a convolution from the gradient of its patch matrix).
  (func (export "col2im")
    (param $cols i32) (param $dx i32) (param $b i32) (param $h i32) (param $w i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $dh i32) (param $dw i32) (param $top i32) (param $left i32)
    (local $pixel i32) (local $run i32) (local $d i32) (local $ib i32) (local $yo i32)
    (local $xo i32) (local $iw0 i32) (local $whole i32) (local $i i32) (local $j i32) (local $ih i32)
    (local $iw i32) (local $row i32)
    (local.set $pixel (i32.shl (local.get $c) (i32.const 2)))
    (local.set $run (i32.mul (local.get $kw) (local.get $pixel)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (local.get $b) (local.get $h)) (i32.mul (local.get $w) (local.get $pixel))))
    (local.set $d (local.get $cols))
    (local.set $ib (i32.const 0))
    (block $bDone (loop $bNext
      (br_if $bDone (i32.ge_u (local.get $ib) (local.get $b)))
      (local.set $yo (i32.const 0))
      (block $yDone (loop $yNext
        (br_if $yDone (i32.ge_u (local.get $yo) (local.get $oh)))
        (local.set $xo (i32.const 0))
        (block $xDone (loop $xNext
          (br_if $xDone (i32.ge_u (local.get $xo) (local.get $ow)))
          (local.set $iw0 (i32.sub (i32.mul (local.get $xo) (local.get $sw)) (local.get $left)))
          (local.set $whole (i32.and (i32.eq (local.get $dw) (i32.const 1))
            (i32.and (i32.ge_s (local.get $iw0) (i32.const 0)) (i32.le_s (i32.add (local.get $iw0) (local.get $kw)) (local.get $w)))))
          (local.set $i (i32.const 0))
          (block $iDone (loop $iNext
            (br_if $iDone (i32.ge_u (local.get $i) (local.get $kh)))
            (local.set $ih (i32.add (i32.sub (i32.mul (local.get $yo) (local.get $sh)) (local.get $top)) (i32.mul (local.get $i) (local.get $dh))))
            (if (i32.lt_u (local.get $ih) (local.get $h))
              (then
                (local.set $row (i32.add (local.get $dx)
                  (i32.mul (i32.add (i32.mul (local.get $ib) (local.get $h)) (local.get $ih)) (i32.mul (local.get $w) (local.get $pixel)))))
                (if (local.get $whole)
                  (then (call $addInto (i32.add (local.get $row) (i32.mul (local.get $iw0) (local.get $pixel))) (local.get $d) (i32.mul (local.get $kw) (local.get $c))))
                  (else
                    (local.set $j (i32.const 0))
                    (block $jDone (loop $jNext
                      (br_if $jDone (i32.ge_u (local.get $j) (local.get $kw)))
                      (local.set $iw (i32.add (local.get $iw0) (i32.mul (local.get $j) (local.get $dw))))
                      (if (i32.lt_u (local.get $iw) (local.get $w))
                        (then (call $addInto (i32.add (local.get $row) (i32.mul (local.get $iw) (local.get $pixel)))
                          (i32.add (local.get $d) (i32.mul (local.get $j) (local.get $pixel))) (local.get $c))))
                      (local.set $j (i32.add (local.get $j) (i32.const 1)))
                      (br $jNext)))))))
            (local.set $d (i32.add (local.get $d) (local.get $run)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iNext)))
          (local.set $xo (i32.add (local.get $xo) (i32.const 1)))
          (br $xNext)))
        (local.set $yo (i32.add (local.get $yo) (i32.const 1)))
        (br $yNext)))
      (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
      (br $bNext))))
  ;; MaxPoolGrad (src/kernels/conv/pool.ts): zeroes dx (NHWC, shaped like x) and adds each output's
  ;; dy to the first maximum of its window in scan order (rows, then columns), where torch routes it.
  ;; Windows are clipped to the input (TF.js's padding adds no taps). Byte offsets x, dy, dx. Where
  ;; the windows tile the input exactly (a 2×2 pool with stride 2 over even sizes), each window
  ;; stores its taps and dx is not zeroed first: one pass over dx instead of three.
  (func (export "maxPoolGrad")
    (param $x i32) (param $dy i32) (param $dx i32) (param $b i32) (param $h i32) (param $w i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (param $top i32) (param $left i32)
    (local $pixel i32) (local $rowBytes i32) (local $vectors i32) (local $d i32) (local $ib i32)
    (local $yo i32) (local $xo i32) (local $s i32) (local $h0 i32) (local $h1 i32) (local $w0 i32)
    (local $w1 i32) (local $base i32) (local $lane i32) (local $tiles i32)
    (local.set $pixel (i32.shl (local.get $c) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $pixel)))
    (local.set $vectors (i32.and (local.get $pixel) (i32.const -16)))
    (local.set $tiles (i32.and
      (i32.and (i32.eq (local.get $sh) (local.get $kh)) (i32.eq (local.get $sw) (local.get $kw)))
      (i32.and
        (i32.and (i32.eqz (local.get $top)) (i32.eqz (local.get $left)))
        (i32.and (i32.eq (i32.mul (local.get $oh) (local.get $kh)) (local.get $h)) (i32.eq (i32.mul (local.get $ow) (local.get $kw)) (local.get $w))))))
    (if (i32.eqz (local.get $tiles))
      (then (memory.fill (local.get $dx) (i32.const 0) (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $rowBytes)))))
    (local.set $d (local.get $dy))
    (local.set $ib (i32.const 0))
    (block $bDone (loop $bNext
      (br_if $bDone (i32.ge_u (local.get $ib) (local.get $b)))
      (local.set $yo (i32.const 0))
      (block $yDone (loop $yNext
        (br_if $yDone (i32.ge_u (local.get $yo) (local.get $oh)))
        (local.set $s (i32.sub (i32.mul (local.get $yo) (local.get $sh)) (local.get $top)))
        (local.set $h0 (select (local.get $s) (i32.const 0) (i32.gt_s (local.get $s) (i32.const 0))))
        (local.set $s (i32.add (local.get $s) (local.get $kh)))
        (local.set $h1 (select (local.get $s) (local.get $h) (i32.lt_s (local.get $s) (local.get $h))))
        (local.set $xo (i32.const 0))
        (block $xDone (loop $xNext
          (br_if $xDone (i32.ge_u (local.get $xo) (local.get $ow)))
          (local.set $s (i32.sub (i32.mul (local.get $xo) (local.get $sw)) (local.get $left)))
          (local.set $w0 (select (local.get $s) (i32.const 0) (i32.gt_s (local.get $s) (i32.const 0))))
          (local.set $s (i32.add (local.get $s) (local.get $kw)))
          (local.set $w1 (select (local.get $s) (local.get $w) (i32.lt_s (local.get $s) (local.get $w))))
          (if (i32.and (i32.lt_s (local.get $h0) (local.get $h1)) (i32.lt_s (local.get $w0) (local.get $w1)))
            (then
              (local.set $base (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $ib) (local.get $h)) (local.get $h0)) (local.get $w)) (local.get $w0)) (local.get $pixel)))
              (local.set $lane (i32.const 0))
              (block $vDone (loop $vNext
                (br_if $vDone (i32.ge_u (local.get $lane) (local.get $vectors)))
                (call $windowGrad4 (i32.add (local.get $x) (i32.add (local.get $base) (local.get $lane)))
                  (i32.add (local.get $dx) (i32.add (local.get $base) (local.get $lane))) (i32.add (local.get $d) (local.get $lane))
                  (i32.sub (local.get $h1) (local.get $h0)) (i32.sub (local.get $w1) (local.get $w0)) (local.get $rowBytes) (local.get $pixel) (local.get $tiles))
                (local.set $lane (i32.add (local.get $lane) (i32.const 16)))
                (br $vNext)))
              (block $sDone (loop $sNext
                (br_if $sDone (i32.ge_u (local.get $lane) (local.get $pixel)))
                (call $windowGrad1 (i32.add (local.get $x) (i32.add (local.get $base) (local.get $lane)))
                  (i32.add (local.get $dx) (i32.add (local.get $base) (local.get $lane))) (i32.add (local.get $d) (local.get $lane))
                  (i32.sub (local.get $h1) (local.get $h0)) (i32.sub (local.get $w1) (local.get $w0)) (local.get $rowBytes) (local.get $pixel) (local.get $tiles))
                (local.set $lane (i32.add (local.get $lane) (i32.const 4)))
                (br $sNext)))))
          (local.set $d (i32.add (local.get $d) (local.get $pixel)))
          (local.set $xo (i32.add (local.get $xo) (i32.const 1)))
          (br $xNext)))
        (local.set $yo (i32.add (local.get $yo) (i32.const 1)))
        (br $yNext)))
      (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
      (br $bNext))))

  ;; One window of four channels: the tap of each lane's first maximum (a strict > keeps the first),
  ;; then one more pass over the window adding dy to the lanes whose tap it is (no scatter), or
  ;; storing it there and zeros elsewhere when $store.
  (func $windowGrad4 (param $x i32) (param $dx i32) (param $dy i32) (param $rows i32) (param $cols i32)
    (param $rowBytes i32) (param $pixel i32) (param $store i32)
    (local $mine v128)
    (local $i i32) (local $j i32) (local $tap i32) (local $at i32)
    (local $best v128) (local $where v128) (local $v v128) (local $m v128) (local $g v128)
    (local.set $best (v128.load (local.get $x)))
    (local.set $i (i32.const 0))
    (block $iDone (loop $iNext
      (br_if $iDone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $at (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $j (i32.const 0))
      (block $jDone (loop $jNext
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $v (v128.load (local.get $at)))
        (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
        (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
        (local.set $where (v128.bitselect (i32x4.splat (local.get $tap)) (local.get $where) (local.get $m)))
        (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
        (local.set $at (i32.add (local.get $at) (local.get $pixel)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jNext)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iNext)))
    (local.set $g (v128.load (local.get $dy)))
    (local.set $tap (i32.const 0))
    (local.set $i (i32.const 0))
    (block $iDone (loop $iNext
      (br_if $iDone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $at (i32.add (local.get $dx) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $j (i32.const 0))
      (block $jDone (loop $jNext
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $mine (v128.and (local.get $g) (i32x4.eq (local.get $where) (i32x4.splat (local.get $tap)))))
        (v128.store (local.get $at)
          (if (result v128) (local.get $store) (then (local.get $mine)) (else (f32x4.add (v128.load (local.get $at)) (local.get $mine)))))
        (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
        (local.set $at (i32.add (local.get $at) (local.get $pixel)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jNext)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iNext))))

  ;; windowGrad4 for one channel.
  (func $windowGrad1 (param $x i32) (param $dx i32) (param $dy i32) (param $rows i32) (param $cols i32)
    (param $rowBytes i32) (param $pixel i32) (param $store i32)
    (local $i i32) (local $j i32) (local $at i32) (local $best f32) (local $v f32) (local $where i32)
    (local.set $best (f32.load (local.get $x)))
    (local.set $where (local.get $x))
    (local.set $i (i32.const 0))
    (block $iDone (loop $iNext
      (br_if $iDone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $at (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $j (i32.const 0))
      (block $jDone (loop $jNext
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $v (f32.load (local.get $at)))
        (if (f32.gt (local.get $v) (local.get $best))
          (then (local.set $best (local.get $v)) (local.set $where (local.get $at))))
        (if (local.get $store) (then (f32.store (i32.add (local.get $dx) (i32.sub (local.get $at) (local.get $x))) (f32.const 0))))
        (local.set $at (i32.add (local.get $at) (local.get $pixel)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jNext)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iNext)))
    ;; the same place in dx as the maximum's in x
    (local.set $at (i32.add (local.get $dx) (i32.sub (local.get $where) (local.get $x))))
    (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (f32.load (local.get $dy)))))
  ;; x[r, j] = x[r, j] + bias[j], then max(·, 0) when relu, in place over rows × n floats (byte
  ;; offsets x and bias; any n: four lanes at a time, then the rest of each row one at a time).
  (func (export "biasAct") (param $x i32) (param $bias i32) (param $rows i32) (param $n i32) (param $relu i32)
    (local $end i32) (local $rowEnd i32) (local $vEnd i32) (local $j i32) (local $v v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $n)) (i32.const 2))))
    (block $rDone (loop $rNext
      (br_if $rDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $rowEnd (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $vEnd (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (local.set $j (local.get $bias))
      (block $vDone (loop $vNext
        (br_if $vDone (i32.ge_u (local.get $x) (local.get $vEnd)))
        (local.set $v (f32x4.add (v128.load (local.get $x)) (v128.load (local.get $j))))
        (if (local.get $relu) (then (local.set $v (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0)))))
        (v128.store (local.get $x) (local.get $v))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vNext)))
      (block $sDone (loop $sNext
        (br_if $sDone (i32.ge_u (local.get $x) (local.get $rowEnd)))
        (local.set $s (f32.add (f32.load (local.get $x)) (f32.load (local.get $j))))
        (if (local.get $relu) (then (local.set $s (f32.max (local.get $s) (f32.const 0)))))
        (f32.store (local.get $x) (local.get $s))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $sNext)))
      (br $rNext))))
  ;; n bytes (a multiple of 4) from src to dst, which do not overlap: memory.copy for long runs,
  ;; else four lanes at a time and then single floats (a memory.copy of a few bytes, as im2col
  ;; makes for a convolution with one or a few input channels, costs a call into the engine).
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (if (i32.ge_u (local.get $n) (i32.const 128))
      (then (memory.copy (local.get $dst) (local.get $src) (local.get $n)) (return)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $n) (i32.const -16))))
    (block $vDone (loop $vNext
      (br_if $vDone (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.load (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $vNext)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $n) (i32.const 15))))
    (block $sDone (loop $sNext
      (br_if $sDone (i32.ge_u (local.get $dst) (local.get $end)))
      (i32.store (local.get $dst) (i32.load (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $sNext))))

  ;; n bytes (a multiple of 4) of zeros at dst, as $copy chooses.
  (func $zero (param $dst i32) (param $n i32)
    (local $end i32)
    (if (i32.ge_u (local.get $n) (i32.const 128))
      (then (memory.fill (local.get $dst) (i32.const 0) (local.get $n)) (return)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $n) (i32.const -16))))
    (block $vDone (loop $vNext
      (br_if $vDone (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $vNext)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $n) (i32.const 15))))
    (block $sDone (loop $sNext
      (br_if $sDone (i32.ge_u (local.get $dst) (local.get $end)))
      (i32.store (local.get $dst) (i32.const 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $sNext)))))
