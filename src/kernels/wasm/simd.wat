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
        (br $next)))))
