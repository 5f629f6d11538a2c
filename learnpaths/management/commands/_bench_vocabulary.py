"""The synthetic catalogue's vocabulary (`seed_bench`, and the search queries of bench/run.py).

A real catalogue's titles use thousands of distinct words, a few very often and most rarely
(roughly Zipf's law); search is measured on that, not on a handful of words every resource
shares. ENGLISH_WORDS are real words of the field, roughly most common first; MODEL_NAMES are
real model names, the way titles write them; CHINESE_TERMS are standard Chinese terms of the
field (written without spaces when joined, as Chinese is). `vocabulary` adds made-up words
after the real ones (the long tail: names, jargon) up to the size asked for.
"""

from __future__ import annotations

import itertools
import random


def _words(text: str) -> list[str]:
    return text.split()


ENGLISH_WORDS = _words("""
learning deep neural network networks model models attention transformer transformers language
training data large scale efficient introduction survey tutorial lecture course guide practical
convolution convolutional recurrent gradient descent stochastic optimisation optimization
embedding embeddings diffusion generative adversarial reinforcement policy graph kernel
regularisation dropout normalisation normalization residual encoder decoder retrieval alignment
scaling law laws tokenizer tokenization pretraining finetuning fine tuning distillation
quantisation inference vision speech multimodal reasoning agent agents memory sparse mixture
experts contrastive representation representations supervised unsupervised semi self
classification regression clustering detection segmentation recognition translation
summarisation generation prediction estimation sampling bayesian probabilistic variational
autoencoder autoencoders latent prior posterior likelihood entropy information theory loss
function functions objective convex nonconvex linear algebra matrix factorisation decomposition
eigenvalue singular vector vectors tensor tensors calculus backpropagation automatic
differentiation optimizer adam momentum rate schedule warmup batch layer layers activation relu
softmax sigmoid perceptron multilayer feedforward lstm gru sequence sequences sequential
temporal spatial image images video audio text texts document documents question answering
dialogue conversational chat instruction instructions following preference feedback human
reward rewards value values approximation difference actor critic proximal trust region
exploration exploitation bandit bandits multiarmed markov decision process processes planning
search tree monte carlo simulation environment environments robotics control continuous
discrete action space state states observation partial offline online imitation inverse
curriculum meta transfer domain adaptation generalisation robustness attack attacks defence
defense privacy differential federated distributed parallel pipeline hardware accelerator gpu
tpu compute budget optimal chinchilla emergent abilities benchmark benchmarks evaluation
metrics leaderboard dataset datasets corpus corpora crawl filtering deduplication quality
synthetic augmentation noise noisy labels label weak active annotation crowdsourcing bias
fairness interpretability explainability mechanistic circuits features probing saliency
attribution causal causality counterfactual intervention structural equation graphical belief
propagation message passing node edge link knowledge graphs relational heterogeneous hypergraph
spectral wavelet fourier signal processing compression pruning lottery ticket hypothesis
sparsity lowrank adapter adapters prompt prompting chain thought augmented context window long
positional encoding rotary relative absolute flash fused kernels cuda triton compiler serving
latency throughput cache caching speculative decoding beam greedy nucleus temperature
hallucination factuality calibration uncertainty conformal ensemble ensembles boosting bagging
random forest forests trees boosted support machines nearest neighbour neighbours similarity
metric distance hashing locality sensitive approximate database index indexing ranking
recommender recommendation collaborative implicit explicit click logs session user item cold
start diversity novelty serendipity glove fasttext subword byte pair vocabulary multilingual
crosslingual lowresource machine synthesis acoustic phoneme spectrogram vocoder waveform music
style super resolution denoising inpainting object tracking pose depth stereo point cloud
clouds mesh rendering radiance fields surfaces scene understanding captioning grounding visual
zero shot few incontext routing expert load balancing parameter statistical pac bounds
complexity rademacher vc dimension overfitting underfitting variance tradeoff cross validation
hyperparameter grid architecture automl evolutionary genetic algorithms swarm annealing energy
based boltzmann hopfield associative spiking neuromorphic biological plausible cognitive
neuroscience brain inspired continual lifelong catastrophic forgetting replay world physics
informed scientific discovery protein folding molecule molecular drug chemistry materials
climate weather forecasting time series anomaly fraud finance medical clinical health imaging
radiology pathology genomics biology code program software engineering theorem proving
mathematics mathematical formal verification safety security robust jailbreak red teaming
constitutional oversight scalable governance ethics responsible deployment monitoring mlops
production systems design patterns notes handbook primer lectures seminar workshop paper papers
review book chapter blog post explained illustrated annotated intuitive hands beginner advanced
principles foundations fundamentals elements modern classic revisited rethinking towards beyond
improving simple effective unified general universal open source library framework toolkit
implementation reproducible reproducibility analysis empirical study studies comparison
perspective view approach method methods technique techniques algorithm
""")

MODEL_NAMES = _words("""
GPT-2 GPT-3 GPT-3.5 GPT-4 GPT-4o LLaMA-2 LLaMA-3 LLaMA-3.1 T5 mT5 Flan-T5 BERT RoBERTa ALBERT
ELECTRA DeBERTa XLNet BART ResNet-50 ResNet-101 VGG-16 AlexNet Inception-v3 EfficientNet ViT
CLIP DALL-E Whisper wav2vec2 Mistral-7B Mixtral-8x7B Qwen2 Qwen2.5 Gemma-2 Phi-3 Falcon-40B
BLOOM OPT-175B PaLM AlphaFold AlphaGo AlphaZero DeepSeek-V3 YOLOv8 word2vec
""")

CHINESE_TERMS = _words("""
机器学习 深度学习 神经网络 人工智能 大语言模型 语言模型 预训练 微调 指令微调
注意力机制 自注意力 多头注意力 卷积神经网络 循环神经网络 长短期记忆网络 门控循环单元
反向传播 梯度下降 随机梯度下降 学习率 优化器 损失函数 交叉熵 正则化 权重衰减
批归一化 层归一化 残差连接 激活函数 线性整流函数 全连接层 池化层 卷积核 感受野
过拟合 欠拟合 泛化 偏差 方差 交叉验证 超参数 超参数调优 训练集 验证集 测试集
数据集 数据增强 数据清洗 特征工程 特征提取 表示学习 嵌入 词向量 词嵌入 分词 分词器
词表 子词 字节对编码 位置编码 旋转位置编码 编码器 解码器 编码器解码器 序列到序列
自回归 掩码语言模型 下一词预测 上下文学习 思维链 提示工程 提示词 零样本学习
少样本学习 迁移学习 领域自适应 多任务学习 元学习 持续学习 灾难性遗忘 联邦学习
差分隐私 监督学习 无监督学习 半监督学习 自监督学习 对比学习 强化学习 深度强化学习
策略梯度 价值函数 贝尔曼方程 马尔可夫决策过程 时序差分 蒙特卡洛方法 探索与利用
多臂老虎机 奖励模型 人类反馈强化学习 近端策略优化 直接偏好优化 模仿学习 逆强化学习
离线强化学习 基于模型的强化学习 智能体 多智能体 环境 状态空间 动作空间 生成模型
判别模型 生成对抗网络 变分自编码器 自编码器 扩散模型 去噪 得分匹配 归一化流 能量模型
玻尔兹曼机 隐变量 贝叶斯推断 变分推断 最大似然估计 最大后验估计 先验分布 后验分布
概率图模型 贝叶斯网络 隐马尔可夫模型 条件随机场 期望最大化算法 高斯混合模型 高斯过程
核方法 支持向量机 核函数 决策树 随机森林 梯度提升 集成学习 聚类 K均值聚类 层次聚类
降维 主成分分析 奇异值分解 矩阵分解 线性回归 逻辑回归 分类 回归 异常检测 推荐系统
协同过滤 排序学习 信息检索 检索增强生成 向量数据库 近似最近邻搜索 相似度 余弦相似度
自然语言处理 计算机视觉 语音识别 语音合成 机器翻译 文本分类 情感分析 命名实体识别
问答系统 对话系统 文本生成 文本摘要 阅读理解 知识图谱 图神经网络 图卷积网络 消息传递
节点分类 链接预测 图嵌入 图像分类 目标检测 语义分割 实例分割 图像生成 图像描述
视觉问答 多模态 多模态大模型 视觉语言模型 视觉变换器 图像超分辨率 姿态估计 目标跟踪
三维重建 神经辐射场 点云 光流 深度估计 人脸识别 混合专家模型 稀疏注意力 长上下文
上下文窗口 缩放定律 涌现能力 对齐 人工智能安全 可解释性 幻觉 知识蒸馏 模型压缩 量化
剪枝 低秩适配 参数高效微调 适配器 推理加速 投机解码 键值缓存 分布式训练 数据并行
模型并行 流水线并行 张量并行 混合精度训练 梯度累积 梯度裁剪 检查点 算力 图形处理器
张量处理单元 计算图 自动微分 张量 矩阵乘法 向量化 批量大小 训练轮数 早停 评估指标
准确率 精确率 召回率 F1分数 困惑度 基准测试 排行榜 消融实验 可复现性 线性代数
概率论 统计学习 信息论 凸优化 微积分 特征值 特征向量 范数 拉格朗日乘子 神经元
感知机 多层感知机 前馈神经网络 深度神经网络 词袋模型 语言建模 序列标注 束搜索
贪心解码 温度采样 核采样 蒸馏 课程学习 主动学习 弱监督 噪声标签 数据标注 合成数据
开源模型 对抗样本 对抗攻击 鲁棒性 公平性 隐私保护 因果推断 反事实 不确定性估计
模型校准 集成方法 时间序列预测 强化学习环境 世界模型 具身智能 机器人学习 自动驾驶
蛋白质结构预测 药物发现 科学计算 代码生成 入门 教程 综述 讲义 课程 论文 实践 原理
详解 导论
""")

# Short words titles put between the others; never drawn as search words.
CONNECTORS = ("for", "with", "of", "and", "in", "on", "via", "from", "to", "the", "a")
CHINESE_CONNECTORS = ("的", "与", "和", "在", "中的", "及其", "基于", "对")

_ONSETS = _words("b c d f g h k l m n p r s t v z br cr dr fl gr pl pr st tr ch sh th")
_VOWELS = _words("a e i o u ai ea io ou")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "x", "nt", "st", "rk")


def made_up_words(rng: random.Random, count: int, avoid: set[str]) -> list[str]:
    """`count` distinct pronounceable made-up words of two or three syllables, none in `avoid`."""
    words: list[str] = []
    seen = set(avoid)
    while len(words) < count:
        syllables = rng.choice((2, 2, 2, 3))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if 4 <= len(word) <= 11 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """`size` distinct words, most common first: the real words (shuffled a little within
    blocks of 40, so that the seed changes which are the very commonest), the model names
    spread among the first few hundred, then made-up words."""
    real = []
    for start in range(0, len(ENGLISH_WORDS), 40):
        block = ENGLISH_WORDS[start : start + 40]
        rng.shuffle(block)
        real += block
    for name in MODEL_NAMES:
        real.insert(rng.randrange(60, min(600, len(real))), name)
    real = real[:size]
    return real + made_up_words(rng, size - len(real), {w.lower() for w in real})


class Zipf:
    """Draws from `items` with weight 1 / rank ** exponent (the first item is rank 1)."""

    def __init__(self, items: list[str], exponent: float = 1.0):
        self.items = items
        self.cum_weights = list(
            itertools.accumulate(1 / rank**exponent for rank in range(1, len(items) + 1))
        )

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.items, cum_weights=self.cum_weights, k=k)
