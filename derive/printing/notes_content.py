"""What the lecture notes say, in English and Japanese, apart from how they are printed (LaTeX for
the PDF, HTML with KaTeX): each section's introduction (what is derived and why), the built-in
derivations it shows, and the figures drawn from the compiled kernels (:mod:`derive.figures`).
Inline mathematics in the prose is written ``$...$`` and set as mathematics by both printers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    heading: dict[str, str]
    intro: dict[str, str]
    derivations: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # names in derive.figures.FIGURES
    kernel: bool = False  # show the generated kernel's source
    rules: tuple[str, ...] = ()  # catalogue rules listed after the introduction (statement, justification)


SECTIONS: tuple[Section, ...] = (
    Section(
        "lemmas",
        {"en": "Lemmas: the derivatives of the logarithm, the sigmoid and softmax",
         "ja": "補題: 対数関数・シグモイド関数・ソフトマックスの導関数"},
        {"en": "Three derivatives carry every gradient below. The derivative of $\\log x$ is $1/x$, "
               "proved here from the limit that defines the derivative (the exponential's follows in the "
               "next section); the sigmoid "
               "$\\sigma(z) = 1/(1 + e^{-z})$ and softmax "
               "$y_k = e^{z_k} / \\sum_j e^{z_j}$ turn the scores a model outputs (logits) into "
               "probabilities, and their derivatives are written in those probabilities.",
         "ja": "以下のすべての勾配は 3 つの導関数から組み立てられる。$\\log x$ の導関数は $1/x$ であり、"
               "ここでは導関数を定義する極限から証明する (指数関数の導関数は次の節で示す)。シグモイド $\\sigma(z) = 1/(1 + e^{-z})$ と"
               "ソフトマックス $y_k = e^{z_k} / \\sum_j e^{z_j}$ はモデルが出力するスコア (ロジット) を"
               "確率に変え、その導関数はその確率で書ける。"},
        ("log-derivative", "sigmoid-derivative", "softmax-jacobian")),
    Section(
        "exponential",
        {"en": "The exponential function", "ja": "指数関数"},
        {"en": "The exponential $e^{x}$ is the inverse of the natural logarithm: $\\log e^{x} = x$ and "
               "$e^{\\log x} = x$. Its laws follow from the logarithm's, each a rule of the catalogue proved "
               "for every value: $e^{a + b} = e^{a} e^{b}$, $e^{a - b} = e^{a}/e^{b}$, $(e^{a})^{b} = e^{ab}$, "
               "$e^{0} = 1$. Its derivative is itself, proved below from the limit definition as the "
               "logarithm's was; then the laws write the sigmoid over $e^{x}$ and show that softmax "
               "depends only on differences of logits, which is why shifting every logit by their "
               "maximum (the stable form) changes nothing.",
         "ja": "指数関数 $e^{x}$ は自然対数の逆関数である: $\\log e^{x} = x$、$e^{\\log x} = x$。"
               "その法則は対数の法則から導かれ、どれもカタログの規則としてすべての値で証明してある: "
               "$e^{a + b} = e^{a} e^{b}$、$e^{a - b} = e^{a}/e^{b}$、$(e^{a})^{b} = e^{ab}$、$e^{0} = 1$。"
               "導関数は自分自身であり、対数と同じく極限の定義から下で証明する。さらに法則を使って"
               "シグモイドを $e^{x}$ で書き、ソフトマックスがロジットの差だけで決まることを示す。"
               "これが、すべてのロジットから最大値を引いても (安定な形) 値が変わらない理由である。"},
        ("exp-derivative", "exp-rules"),
        rules=("exp_of_log", "exp_of_zero", "exp_of_sum", "exp_of_difference", "product_of_powers", "power_of_power")),
    Section(
        "likelihood",
        {"en": "From the likelihood to cross-entropy", "ja": "尤度関数から交差エントロピーへ"},
        {"en": "A classifier predicts probabilities $y_k$ for the $K$ classes; the likelihood is the "
               "probability it gives to the labels actually observed, a product over the samples. "
               "Taking the logarithm turns the product into a sum (and keeps the maximiser: the log is "
               "increasing); the minus sign turns maximising the likelihood into minimising a loss, "
               "and dividing by $N$ makes the loss a mean that does not grow with the data set. "
               "The figure shows $-\\log y$: no loss when the labelled class gets probability 1, "
               "without bound as it tends to 0.",
         "ja": "分類器は $K$ 個のクラスに確率 $y_k$ を予測する。尤度は実際に観測したラベルにモデルが与える確率で、"
               "標本にわたる積である。対数をとると積は和になり (対数は増加関数なので最大点は変わらない)、"
               "負号をつけると尤度の最大化は損失の最小化になる。$N$ で割ると損失はデータの数によらない平均になる。"
               "図は $-\\log y$ を示す。正解クラスの確率が 1 なら損失は 0、0 に近づくと限りなく大きくなる。"},
        ("ce-one-sample", "ce-dice-example", "ce"), ("neg_log",)),
    Section(
        "mle",
        {"en": "The maximum-likelihood estimate of a die", "ja": "サイコロの最尤推定"},
        {"en": "Which probabilities $y_k$ explain the throws best? The likelihood of counts $n_k$ is "
               "$\\prod_k y_k^{n_k}$; its logarithm $\\sum_k n_k \\log y_k$ is maximised subject to "
               "$\\sum_k y_k = 1$ with a Lagrange multiplier $\\lambda$. The second derivatives form a "
               "diagonal matrix with negative entries, so the function is concave and its stationary point "
               "is the maximum; setting the first derivatives to zero gives $y_j = n_j/\\lambda$, and the "
               "constraint gives $\\lambda = n$, the number of throws: each face's estimate is its share "
               "of the throws, $\\hat{y}_j = n_j/n$. A coin is the die with two faces: $\\hat{p} = s/n$. "
               "In the example the die is thrown 20 times with counts 3, 4, 2, 5, 4, 2.",
         "ja": "どの確率 $y_k$ が出目をいちばんよく説明するか。出た回数 $n_k$ の尤度は $\\prod_k y_k^{n_k}$ で、"
               "その対数 $\\sum_k n_k \\log y_k$ を制約 $\\sum_k y_k = 1$ のもとでラグランジュの未定乗数 "
               "$\\lambda$ を使って最大化する。2 階導関数は対角成分が負の対角行列をなすので関数は凹で、"
               "停留点が最大点である。1 階導関数を 0 とおくと $y_j = n_j/\\lambda$、制約から "
               "$\\lambda = n$ (投げた回数) となり、各面の推定値はその面が出た割合 $\\hat{y}_j = n_j/n$ である。"
               "コインは面が 2 つのサイコロで $\\hat{p} = s/n$。例ではサイコロを 20 回投げ、出た回数は "
               "3, 4, 2, 5, 4, 2 である。"},
        ("dice-mle", "bernoulli-mle", "dice-mle-example")),
    Section(
        "bce",
        {"en": "Binary cross-entropy", "ja": "二値分類用の交差エントロピー"},
        {"en": "With two classes one probability $y$ suffices (the other is $1 - y$) and the label is "
               "$t \\in \\{0, 1\\}$; the same steps from a Bernoulli likelihood give binary "
               "cross-entropy. The Titanic examples put numbers in.",
         "ja": "2 クラスでは確率は 1 つ $y$ で足り (もう一方は $1 - y$)、ラベルは $t \\in \\{0, 1\\}$ である。"
               "ベルヌーイ分布の尤度から同じ手順で二値交差エントロピーが得られる。タイタニックの例で数値を入れる。"},
        ("bce", "bce-bernoulli", "bce-titanic-survived", "bce-titanic-died")),
    Section(
        "vector",
        {"en": "Vector and matrix form", "ja": "ベクトルと行列による表現"},
        {"en": "The sums over classes are inner products: written with vectors, the loss of one "
               "sample is $-\\mathbf{t}^{\\top} \\log \\mathbf{y}$.",
         "ja": "クラスにわたる和は内積である。ベクトルで書くと 1 標本の損失は $-\\mathbf{t}^{\\top} \\log \\mathbf{y}$ になる。"},
        ("ce-vector",)),
    Section(
        "logits",
        {"en": "Losses in the logits", "ja": "ロジットで書く損失関数"},
        {"en": "Models output logits $z$; softmax (for $K$ classes) and the sigmoid (for two) make "
               "them probabilities. Written in the logits, the log of the softmax is "
               "$z_k - \\log \\sum_j e^{z_j}$, and the loss needs no probability at all. The figures show "
               "the softmax of three classes along a line in logit space, and binary cross-entropy "
               "with its gradient against the logit.",
         "ja": "モデルはロジット $z$ を出力し、ソフトマックス ($K$ クラス) とシグモイド (2 クラス) がそれを確率にする。"
               "ロジットで書くとソフトマックスの対数は $z_k - \\log \\sum_j e^{z_j}$ で、損失に確率は要らない。"
               "図はロジット空間の直線に沿った 3 クラスのソフトマックスと、ロジットに対する二値交差エントロピーとその勾配を示す。"},
        ("ce-softmax", "bce-sigmoid", "ce-one-sample-softmax"), ("softmax_line", "bce_logit")),
    Section(
        "gradients",
        {"en": "Gradients", "ja": "勾配"},
        {"en": "Training moves the parameters against the gradient of the loss. Through softmax "
               "the gradient by the logits is the prediction minus the label, $(y_{ik} - t_{ik})/N$, "
               "and through a linear layer $Z = XW$ it is $X^{\\top}(Y - T)/N$. The Hessian of one "
               "sample is $\\operatorname{diag}(\\mathbf{y}) - \\mathbf{y}\\mathbf{y}^{\\top}$: the gradient "
               "differentiated again, as derive's grad command differentiates any loss when asked for order 2 (from the "
               "log-sum-exp form it reaches the same matrix, written in $\\operatorname{softmax}(z)$). The figure "
               "is a training curve: softmax regression on a small synthetic set, by gradient descent "
               "with the compiled kernel.",
         "ja": "学習は損失の勾配と逆向きにパラメータを動かす。ソフトマックスを通すとロジットによる勾配は予測からラベルを"
               "引いたもの $(y_{ik} - t_{ik})/N$ で、線形層 $Z = XW$ を通すと $X^{\\top}(Y - T)/N$ になる。"
               "1 標本のヘッセ行列は $\\operatorname{diag}(\\mathbf{y}) - \\mathbf{y}\\mathbf{y}^{\\top}$ である。"
               "これは勾配をもう一度微分したもので、derive の grad コマンドは 2 階を指定するとどんな損失も 2 回微分する "
               "(log-sum-exp の形からは $\\operatorname{softmax}(z)$ で書いた同じ行列が得られる)。"
               "図は学習曲線で、小さな合成データでのソフトマックス回帰をコンパイルしたカーネルで勾配降下したものである。"},
        ("ce-grad", "bce-grad", "ce-softmax-grad", "bce-sigmoid-grad", "ce-matrix-grad", "softmax-hessian"),
        ("training",)),
    Section(
        "stable",
        {"en": "Stable forms", "ja": "数値的に安定な形"},
        {"en": "In floating point $e^{1000}$ overflows, $0 \\cdot \\log 0$ is NaN, and "
               "$\\log(1 + 10^{-20})$ rounds to 0. The stable forms are the same quantities rewritten "
               "so that none of this happens: the log-sum-exp shifted by the row maximum, "
               "$\\operatorname{log1p}$ and $\\operatorname{expm1}$ near 0, the sigmoid by the sign "
               "of its argument. Each rewrite is a rule of the catalogue, proved like any other step.",
         "ja": "浮動小数点では $e^{1000}$ はオーバーフローし、$0 \\cdot \\log 0$ は NaN になり、"
               "$\\log(1 + 10^{-20})$ は 0 に丸められる。安定な形は同じ量をこれらが起きないように書き直したもの"
               "である: 行の最大値でずらした log-sum-exp、0 の近くでの $\\operatorname{log1p}$ と "
               "$\\operatorname{expm1}$、引数の符号で書くシグモイド。どの書き換えも規則カタログの規則で、"
               "他のステップと同じく証明されている。"},
        ("ce-softmax-stable", "bce-sigmoid-stable", "ce-softmax-grad-stable", "bce-sigmoid-grad-stable")),
    Section(
        "kernel",
        {"en": "The generated kernel", "ja": "生成されたカーネル"},
        {"en": "derive compiles the stable forms into Numba kernels: nobody writes the loops. Below "
               "is the function computing the loss and gradient of cross-entropy of logits with "
               "integer labels, one row at a time; it is checked against 50-digit evaluation of the "
               "same derivations and agrees with PyTorch.",
         "ja": "derive は安定な形を Numba のカーネルにコンパイルする。ループを書く人はいない。以下は整数ラベルの"
               "ロジットの交差エントロピーの損失と勾配を 1 行ずつ計算する関数で、同じ導出の 50 桁の評価と照合され、"
               "PyTorch と一致する。"},
        kernel=True),
    Section(
        "ema",
        {"en": "The exponential moving average of the weights", "ja": "重みの指数移動平均"},
        {"en": "Training often keeps, beside the weights $\\theta_{t}$ of step $t$, their exponential moving "
               "average $v_{t} = \\beta v_{t-1} + (1 - \\beta) \\theta_{t}$ ($\\beta$ close to 1, such as "
               "0.999), and evaluates or generates with it: it smooths the noise of the last steps. Unrolled, "
               "the average weighs step $i$ by $(1 - \\beta) \\beta^{t-i}$, less the older the step, and its "
               "starting value by $\\beta^{t}$; the proof is by induction on $t$. Started at $v_{0} = 0$, the "
               "weights of the $\\theta_{i}$ sum to $1 - \\beta^{t}$ only, so the early averages are too small; "
               "dividing by that sum (the bias correction, as in Adam) makes the average of a constant sequence "
               "exact. The example runs three steps with $\\beta = 0.9$: $v_{3} = 0.561$, corrected "
               "$\\hat{v}_{3} = 2.07$ for weights 1, 2, 3.",
         "ja": "学習では、ステップ $t$ の重み $\\theta_{t}$ とは別に、その指数移動平均 "
               "$v_{t} = \\beta v_{t-1} + (1 - \\beta) \\theta_{t}$ ($\\beta$ は 0.999 のように 1 に近い) を持ち、"
               "評価や生成にはこちらを使うことが多い。直近のステップの揺れがならされるからである。漸化式をほどくと、"
               "平均はステップ $i$ を $(1 - \\beta) \\beta^{t-i}$ (古いほど小さい) で、出発値を $\\beta^{t}$ で重み付けする。"
               "証明は $t$ についての帰納法による。$v_{0} = 0$ から始めると $\\theta_{i}$ の重みの和は $1 - \\beta^{t}$ "
               "しかなく、最初のうちの平均は小さすぎる。その和で割る (Adam と同じバイアス補正) と、一定の列の平均は"
               "正確になる。例では $\\beta = 0.9$ で 3 ステップ進める: 重み 1, 2, 3 に対して $v_{3} = 0.561$、"
               "補正すると $\\hat{v}_{3} = 2.07$。"},
        ("ema", "ema-bias-correction", "ema-example")),
)

WORDS = {
    "en": {
        "title": "Cross-entropy, step by step",
        "subtitle": "Lecture notes: every step found by rules and verified by machine",
        "rules": "Rules of logarithms",
        "rules_intro": "The identities the derivations use. Each was proved by the machine, "
                       "symbolically and at random points.",
        "trail": "Appendix: the full verified trail",
        "trail_intro": "Each derivation above, step by step: every rule applied and how the step was verified.",
        "contents": "Contents",
        "figure": "Figure",
        "generated": "Generated by derive on",
    },
    "ja": {
        "title": "交差エントロピーを一歩ずつ",
        "subtitle": "講義ノート: すべてのステップを規則で求め、機械で検証した",
        "rules": "対数の規則",
        "rules_intro": "導出で使う恒等式。どれも機械が記号計算とランダムな点での数値計算で証明した。",
        "trail": "付録: 検証の全記録",
        "trail_intro": "上の各導出を 1 ステップずつ: 適用した規則と、各ステップの検証の方法。",
        "contents": "目次",
        "figure": "図",
        "generated": "derive により生成:",
    },
}

CAPTIONS = {
    "neg_log": {"en": "The loss $-\\log y$ of the labelled class against its probability $y$.",
                "ja": "正解クラスの確率 $y$ に対する損失 $-\\log y$。"},
    "bce_logit": {"en": "Binary cross-entropy against the logit $z$ for $t = 0$ and $t = 1$, with its gradient $\\sigma(z) - t$.",
                  "ja": "$t = 0$ と $t = 1$ のときのロジット $z$ に対する二値交差エントロピーとその勾配 $\\sigma(z) - t$。"},
    "softmax_line": {"en": "The softmax of three classes along the line $z = (s, 0, -s/2)$ in logit space.",
                     "ja": "ロジット空間の直線 $z = (s, 0, -s/2)$ に沿った 3 クラスのソフトマックス。"},
    "training": {"en": "Training loss of softmax regression on a synthetic set of three classes, by gradient descent.",
                 "ja": "3 クラスの合成データでのソフトマックス回帰の学習損失 (勾配降下法)。"},
}


def derivation_names() -> list[str]:
    return [name for section in SECTIONS for name in section.derivations]
