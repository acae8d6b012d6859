"""bench: when does a neural network trained by backpropagation beat decision trees, SVMs and k-NN?"""
